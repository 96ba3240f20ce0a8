/**
 * Confiture: a PostgreSQL schema tool. The library entry point.
 *
 * @example
 * ```ts
 * import { Migrator } from "./mod.ts";
 *
 * await using m = await Migrator.fromConfig("db/environments/prod.yaml");
 * const status = await m.status();
 * console.log(`${status.summary.pending} pending migrations`);
 * if (status.hasPending) {
 *   const result = await m.up();
 *   console.log(`Applied ${result.applied.length} migrations`);
 * }
 * ```
 *
 * @module
 */
export { MigrationDownError, MigrationRunError, MigrationUpError, Migrator } from "./migrate/migrator.ts";
export type { RunOperation } from "./migrate/run_error.ts";
export type {
  ChecksumIssue,
  DownOptions,
  MigratorOptions,
  MigratorSettings,
  UpOptions,
  VerifyResult,
} from "./migrate/migrator.ts";
export { StatusResult } from "./migrate/results.ts";
export type {
  BaselineResult,
  DownResult,
  MigrationFailure,
  MigrationRun,
  MigrationStatus,
  PlannedMigration,
  ReinitResult,
  UpResult,
} from "./migrate/results.ts";
export { generateMigration } from "./migrate/generate.ts";
export type { GenerateResult } from "./migrate/generate.ts";
export { loadEnvironment } from "./config/load.ts";
export type { Environment, MigrationSettings, TableName } from "./config/environment.ts";
export { openDatabase } from "./db/open.ts";
export type { Database, Queryable, ReservedSession, Session } from "./db/database.ts";
export { DatabaseError } from "./db/errors.ts";
export {
  ConfigError,
  ConfitureError,
  ConnectionError,
  EXIT,
  IrreversibleError,
  LockError,
  MigrationError,
  NotInitializedError,
  SchemaError,
  UsageError,
} from "./errors.ts";
export type { ConfitureEvent, EventSink, LockHolder } from "./events.ts";
export { VERSION } from "./version.ts";
export { applyBuild } from "./build/apply_build.ts";
export type { ApplyBuildOptions, ApplyBuildReport } from "./build/apply_build.ts";
export { SchemaToSchema } from "./schema_to_schema/schema_to_schema.ts";
export { syncEnvironments } from "./sync/sync_environments.ts";

/** Build from DDL: discover, order, assemble and apply `db/schema/`; `checkSchema` proves DDL and migrations agree. */
export * as build from "./build/mod.ts";
/** Catalog snapshots and their comparison (used by check-schema and verify-reversible). */
export * as catalog from "./catalog/mod.ts";
/** Production data sync with anonymization. */
export * as sync from "./sync/mod.ts";
/** Schema-to-schema: zero-downtime rebuild of large tables. */
export * as schemaToSchema from "./schema_to_schema/mod.ts";
