/**
 * The sync medium's library entry for configured environments: from two Environments to a
 * SyncReport. It reads what the CLI used to work out itself (the anonymization profile and
 * its key, the selection from each environment's `sync:` section, the tracking tables to
 * leave alone, and whether the target is protected), so a library caller gets the same
 * guards: a protected target and one database under two names are refused before a row moves.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { SYNC_DEFAULT_PROFILE } from "../config/defaults.ts";
import { openDatabase } from "../db/open.ts";
import { getEnv } from "../platform/env.ts";
import { relative, resolve } from "../platform/path.ts";
import type { SyncSelection } from "./plan.ts";
import { type AnonymizationProfile, loadProfile, parseAnonymizeFlag } from "./profile.ts";
import { syncDatabases } from "./sync.ts";
import type { SyncOptions, SyncReport } from "./sync_types.ts";

/** Flags of a sync that the environments do not decide. */
export interface SyncEnvironmentsOptions
  extends Pick<SyncOptions, "resume" | "dryRun" | "allowUnmasked" | "workers" | "lockTimeoutMs" | "onEvent"> {
  /** The anonymization profile file (default: the source's `sync.profile`, else `db/anonymization.yaml`). */
  profile?: string;
  /** `table.column[:strategy]` masks that override the profile. */
  anonymize?: readonly string[];
  /** Narrow the source's `sync:` selection. */
  schemas?: string[];
  tables?: string[];
  exclude?: string[];
  /** Read the profile's key variable (default: the process environment). */
  getEnv?: (name: string) => string | undefined;
  /** Server notices from either end. */
  onNotice?: (message: string) => void;
}

/**
 * The anonymization profile for `env`: `flag`, else the environment's `sync.profile`, else
 * `db/anonymization.yaml` (optional unless named).
 */
export async function syncProfile(env: Environment, flag?: string): Promise<AnonymizationProfile> {
  const configured = flag ?? env.file.sync.profile;
  const path = resolve(configured ?? SYNC_DEFAULT_PROFILE, env.projectDir);
  const shown = relative(env.projectDir, path);
  return await loadProfile(path, shown.startsWith("..") ? path : shown, configured !== undefined);
}

/** The tables to copy: the environment's `sync:` section, narrowed by the caller's lists. */
export function syncSelection(
  env: Environment,
  opts: { schemas?: string[]; tables?: string[]; exclude?: string[] },
): SyncSelection {
  return {
    schemas: opts.schemas ?? env.file.sync.schemas,
    tables: opts.tables,
    exclude: [...(env.file.sync.exclude ?? []), ...(opts.exclude ?? [])],
  };
}

/**
 * Sync `from` into `to` with PII masked on the way. Throws ConfigError (exit 5) when `to` is
 * protected (`SYNC_PROTECTED_TARGET`) or reaches the same database as `from` (`SAME_DATABASE`),
 * before anything is read or written.
 *
 * @example
 * ```ts
 * import { syncEnvironments } from "./sync_environments.ts";
 * import { loadEnvironment } from "../config/load.ts";
 *
 * const report = await syncEnvironments(
 *   await loadEnvironment({ env: "prod" }),
 *   await loadEnvironment({ env: "local" }),
 *   { dryRun: true },
 * );
 * report.tables.length;
 * ```
 */
export async function syncEnvironments(
  from: Environment,
  to: Environment,
  options: SyncEnvironmentsOptions = {},
): Promise<SyncReport> {
  const profile = await syncProfile(from, options.profile);
  const selection = syncSelection(from, options);
  const key = (options.getEnv ?? getEnv)(profile.keyEnv);
  await using source = await openDatabase(from.target, { onNotice: options.onNotice });
  await using target = await openDatabase(to.target, { onNotice: options.onNotice });
  return await syncDatabases(source, target, {
    ...selection,
    rules: profile.rules,
    flagRules: (options.anonymize ?? []).map(parseAnonymizeFlag),
    key: key ? new TextEncoder().encode(key) : undefined,
    keySource: profile.keyEnv,
    resume: options.resume,
    dryRun: options.dryRun,
    allowUnmasked: options.allowUnmasked,
    workers: options.workers,
    sourceName: from.name,
    targetName: to.name,
    targetProtected: to.protected,
    lockTimeoutMs: options.lockTimeoutMs,
    ignoreTables: [from.migration.trackingTable.name, to.migration.trackingTable.name],
    onEvent: options.onEvent,
  });
}
