/**
 * Production data sync with built-in anonymization: the public API of the sync medium.
 *
 * @module
 */
export { RowCountMismatchError, syncDatabases } from "./sync.ts";
export type { SyncOptions, SyncReport, SyncTableReport } from "./sync.ts";
export { syncEnvironments, type SyncEnvironmentsOptions, syncProfile, syncSelection } from "./sync_environments.ts";
export { checkPii, type PiiCheckReport } from "./check.ts";
export { type AnonymizationProfile, loadProfile, parseAnonymizeFlag, parseProfile } from "./profile.ts";
export { type Rule, STRATEGY_NAMES, type StrategyName } from "./strategies.ts";
export type { PiiFinding } from "./plan.ts";
