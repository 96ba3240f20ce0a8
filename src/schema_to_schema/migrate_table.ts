/**
 * The `migrate` phase: copy a table in key-ordered batches (keyset pagination), one target
 * transaction per batch with its checkpoint, so a killed run resumes after its last committed
 * batch. `fdw` inserts from the foreign table on the target; `copy` streams
 * `COPY … TO STDOUT` from the source into `COPY … FROM STDIN` on the target.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { ConnectionError, MigrationError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import {
  type Checkpoint,
  ensureCheckpointTable,
  finishCheckpoint,
  readCheckpoint,
  recordCheckpointError,
  startCheckpoint,
} from "./checkpoint.ts";
import { CopyInterruptedError } from "./interrupted.ts";
import { DEFAULT_TARGET_LOCK_TIMEOUT_MS, isLockTimeout, lockTimeout, waitForTableLock } from "./target_lock.ts";
import { type SequenceSync, syncSequences } from "./sequences.ts";
import type { DataPath, TablePlan } from "./plan.ts";
import { whereFilter } from "./sql.ts";
import { type Batcher, batchFailure, copyBatcher, fdwBatcher, sourceNow } from "./batches.ts";
import { assertDistinctEnds, type Endpoints } from "./ends.ts";
import { restartTables } from "./restart.ts";

/** Options for {@link migrateTable}. */
export interface MigrateOptions {
  staging: string;
  batchSize: number;
  /** Pause between batches, in milliseconds. */
  throttleMs: number;
  /** Bound on every lock wait on the target, in ms (default 30 s). */
  lockTimeoutMs?: number;
  /** Continue from the checkpoint instead of refusing to touch a started table. */
  resume: boolean;
  /**
   * Empty the target table and start over (the caller confirms on protected targets). Tables
   * that reference each other are emptied together with {@link restartTables} first.
   */
  restart: boolean;
  onEvent: EventSink;
}

/** What migrating one table did. */
export interface TableMigrateResult {
  table: string;
  strategy: DataPath;
  /** Rows copied by this run. */
  rows: number;
  /** Rows copied by every run, this one included. */
  totalRows: number;
  batches: number;
  /** Already complete from an earlier run: nothing was copied. */
  skipped: boolean;
  resumedFrom: string[] | null;
  /** Identity/serial sequences moved past the copied keys. */
  sequences: SequenceSync[];
  durationMs: number;
}

/** Copy one table, batch by batch, with a checkpoint per batch. */
export async function migrateTable(
  ends: Endpoints,
  plan: TablePlan,
  options: MigrateOptions,
): Promise<TableMigrateResult> {
  const started = performance.now();
  const name = qualifiedKey(plan.target);
  const { source, target } = ends;
  await assertDistinctEnds(ends);
  await ensureCheckpointTable(target, options.staging);
  let checkpoint = await readCheckpoint(target, options.staging, plan.target);
  // Before anything reads or writes the table: a lock held elsewhere is announced, not waited on in silence.
  if (!options.restart && !checkpoint?.done) {
    await waitForTableLock(target, plan.target, "ROW EXCLUSIVE", lockOptions(options));
  }
  if (options.restart) {
    await restartTables(target, options.staging, [plan], lockOptions(options));
    checkpoint = undefined;
  } else if (checkpoint && !options.resume) {
    throw new MigrationError(
      `${name} was already ${checkpoint.done ? "copied" : "partly copied"} (${checkpoint.rowsCopied} rows)`,
      {
        code: "S2S_ALREADY_STARTED",
        hint: "pass --resume to continue, or --restart to empty the target table and start over",
      },
    );
  } else if (!checkpoint) {
    const [row] = await target.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${formatQualifiedName(plan.target)}) AS any`,
    );
    if (row.any) {
      throw new MigrationError(`Target table ${name} already has rows and no checkpoint says where they came from`, {
        code: "S2S_TARGET_NOT_EMPTY",
        hint: "pass --restart to empty it first, or leave it out with --tables",
      });
    }
  }
  if (checkpoint?.done) {
    return {
      table: name,
      strategy: plan.strategy,
      rows: 0,
      totalRows: checkpoint.rowsCopied,
      batches: 0,
      skipped: true,
      resumedFrom: checkpoint.lastKey,
      sequences: [],
      durationMs: 0,
    };
  }
  if (!checkpoint) {
    await startCheckpoint(target, options.staging, plan.target, plan.strategy, await sourceNow(source));
    checkpoint = { lastKey: null, rowsCopied: 0 } as Checkpoint;
  }
  const resumedFrom = checkpoint.lastKey;
  const total = await sourceRowCount(source, plan);
  let last = checkpoint.lastKey;
  let done = checkpoint.rowsCopied;
  let rows = 0;
  let batches = 0;
  const report = () =>
    options.onEvent({ type: "progress", task: name, done, total: Math.max(total, done), unit: "rows" });
  report();
  const batcher: Batcher = plan.strategy === "fdw"
    ? fdwBatcher(target, plan, options)
    : copyBatcher(ends, plan, options);
  try {
    for (;;) {
      const { n, lastKey } = await batcher.next(last).catch(async (e) => {
        throw await stopped(ends, plan, options, e, { rows: done, total, lastKey: last });
      });
      if (n > 0) {
        batches++;
        rows += n;
        done += n;
        last = lastKey;
        report();
      }
      if (n < options.batchSize) break;
      if (options.throttleMs > 0) await new Promise((r) => setTimeout(r, options.throttleMs));
    }
  } finally {
    await batcher.release();
  }
  const sequences = await syncSequences(target, plan);
  await finishCheckpoint(target, options.staging, plan.target);
  // The total may have been an estimate: close the bar at what was really copied.
  if (done !== Math.max(total, done)) {
    options.onEvent({ type: "progress", task: name, done, total: done, unit: "rows" });
  }
  return {
    table: name,
    strategy: plan.strategy,
    rows,
    totalRows: done,
    batches,
    skipped: false,
    resumedFrom,
    sequences,
    durationMs: Math.round(performance.now() - started),
  };
}

function lockOptions(options: MigrateOptions) {
  return { timeoutMs: options.lockTimeoutMs ?? DEFAULT_TARGET_LOCK_TIMEOUT_MS, onEvent: options.onEvent };
}

/**
 * The error a stopped batch ends the run with, after its cause is written to the journal: a
 * lost connection stays a ConnectionError (exit 3) saying how far the table got, a lock wait
 * that ran out a LockError (exit 6) naming the holders, anything else a batch failure.
 */
async function stopped(
  ends: Endpoints,
  plan: TablePlan,
  options: MigrateOptions,
  e: unknown,
  at: { rows: number; total: number; lastKey: string[] | null },
): Promise<unknown> {
  const name = qualifiedKey(plan.target);
  const cause = e instanceof Error ? e.message : String(e);
  // The pool opens a fresh connection if the batch's own was lost; an unreachable target keeps
  // only its checkpoint, which is enough to resume.
  await recordCheckpointError(ends.target, options.staging, plan.target, cause).catch(() => {});
  if (isLockTimeout(e)) {
    return await lockTimeout(ends.target, plan.target, "ROW EXCLUSIVE", lockOptions(options).timeoutMs);
  }
  if (e instanceof ConnectionError) return new CopyInterruptedError(ends, e, { table: name, ...at });
  return batchFailure(e, name, at.lastKey);
}

/**
 * Rows to expect, for progress: the planner's estimate for a whole analysed table, else an
 * exact count (filtered tables, views, never-analysed tables).
 */
async function sourceRowCount(source: Queryable, plan: TablePlan): Promise<number> {
  if (!plan.where) {
    const [row] = await source.query<{ n: number }>(
      "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass($1) AND relkind IN ('r', 'p', 'm')",
      [formatQualifiedName(plan.source)],
    );
    if (row && row.n > 0) return Math.round(row.n);
  }
  const [{ n }] = await source.query<{ n: number }>(
    `SELECT count(*)::float8 AS n FROM ${formatQualifiedName(plan.source)} WHERE ${whereFilter(plan)}`,
  );
  return n;
}
