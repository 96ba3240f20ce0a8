/**
 * The migration defaults, in one place: the config schema, the Migrator and the CLI help text
 * all read them here, so a changed default cannot disagree with its documentation.
 *
 * @module
 */
/** The tracking table's name when the config names none. */
export const DEFAULT_TRACKING_TABLE = "tb_confiture";

/**
 * Every migration setting but the tracking table (the shape of `MigrationSettings`), as used
 * when neither the config nor the caller sets it. Typed here, not imported: the schema reads it.
 */
export const MIGRATION_DEFAULTS: Readonly<{
  lockTimeoutMs: number;
  statementLockTimeoutMs: number;
  statementTimeoutMs: number;
  lockRetries: number;
  allowOutOfOrder: boolean;
}> = Object.freeze({
  /** How long to wait for the advisory lock another deployer holds. */
  lockTimeoutMs: 30_000,
  /** `SET LOCAL lock_timeout` for each migration's statements. */
  statementLockTimeoutMs: 5_000,
  /** `SET LOCAL statement_timeout` for each migration; 0 means none. */
  statementTimeoutMs: 0,
  /** Retries of a migration that failed on lock_timeout (SQLSTATE 55P03). */
  lockRetries: 3,
  allowOutOfOrder: false,
});

/**
 * A duration in ms as help text writes it: `30s`, `500ms`, `2min`.
 *
 * @example
 * ```ts
 * import { helpDuration, MIGRATION_DEFAULTS } from "./defaults.ts";
 * helpDuration(MIGRATION_DEFAULTS.lockTimeoutMs); // "30s"
 * ```
 */
export function helpDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * The frozen advisory-lock class id shared with the Python original (the migration lock's
 * first key). Here, not in migrate/lock.ts, because the lint reads it too.
 */
export const LOCK_CLASSID = 1751936052;

/**
 * Schema-to-schema defaults: the `schema_to_schema:` section of the target environment uses
 * them when it sets nothing, the SchemaToSchema object reads that section, and help texts
 * print them.
 */
export const SCHEMA_TO_SCHEMA_DEFAULTS: Readonly<{
  batchSize: number;
  throttleMs: number;
  lockTimeoutMs: number;
  sinceColumn: string;
  overlapMs: number;
  chunkSize: number;
}> = Object.freeze({
  /** Rows per batch (one transaction and one checkpoint each). */
  batchSize: 10_000,
  /** Pause between batches. */
  throttleMs: 0,
  /** Bound on every lock wait on the target. */
  lockTimeoutMs: 30_000,
  /** The source column catch-up reads each row's last-change time from. */
  sinceColumn: "updated_at",
  /** Catch-up also re-copies rows this much older than the last run, for late commits. */
  overlapMs: 60_000,
  /** Source rows per verify checksum chunk. */
  chunkSize: 10_000,
});

/** The anonymization profile `sync` reads when neither the flag nor `sync.profile` names one. */
export const SYNC_DEFAULT_PROFILE = "db/anonymization.yaml";
