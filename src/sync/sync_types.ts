/**
 * The options and report of a sync, apart from the code that runs it, so the loader and the
 * sync driver both use them without importing each other.
 *
 * @module
 */
import type { EventSink } from "../events.ts";
import type { SyncEnds } from "./guards.ts";
import type { PiiFinding, SyncSelection } from "./plan.ts";
import type { Rule, StrategyName } from "./rule.ts";

/** Options for {@link syncDatabases}. */
export interface SyncOptions extends SyncSelection, SyncEnds {
  /** Masking rules by `schema.table.column` (usually from the profile). */
  rules: ReadonlyMap<string, Rule>;
  /** `--anonymize` flags. */
  flagRules?: readonly { column: string; strategy?: StrategyName }[];
  /** The HMAC key; required as soon as a rule derives values from the data. */
  key?: Uint8Array;
  /** Where the key comes from, for the message when it is missing. */
  keySource?: string;
  /** Skip tables whose load already committed (per the target's checkpoints). */
  resume?: boolean;
  /** Plan and check only; the target is not touched. */
  dryRun?: boolean;
  /** Copy PII-looking columns that have no rule instead of refusing. */
  allowUnmasked?: boolean;
  /** Bare table names never synced (Confiture's own tracking tables). */
  ignoreTables?: readonly string[];
  /**
   * How long one statement may wait for a lock, on either side, before the sync stops with
   * LockError (exit 6); default 30 s. Waits are reported as `lock.waiting` events meanwhile.
   */
  lockTimeoutMs?: number;
  /** Receives `progress`, `lock.waiting`, `info` and `warning` events. */
  onEvent?: EventSink;
  /** Rows between two progress events of a table (default 50,000). */
  progressEvery?: number;
  /**
   * Worker threads that mask tables of at least 20,000 rows (default 0: mask on the main
   * thread). Each worker costs ~60 MB of memory; it pays off only with idle cores.
   */
  workers?: number;
}

/** One loaded table in the report. */
export interface SyncTableReport {
  name: string;
  rows: number;
  duration_ms: number;
  anonymized_columns: string[];
}

/** What a sync did (or, with `dryRun`, would do). */
export interface SyncReport {
  dry_run: boolean;
  /** Load order, parents first. */
  order: string[];
  tables: SyncTableReport[];
  /** Tables skipped by `--resume` because an earlier run finished them. */
  skipped: { name: string; rows: number }[];
  total_rows: number;
  duration_ms: number;
  rows_per_second: number;
  warnings: string[];
  /** PII-looking columns copied without a rule (only with `allowUnmasked`). */
  unmasked_pii: PiiFinding[];
}
