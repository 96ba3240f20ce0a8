/**
 * The `migrate` phase: copy a table in key-ordered batches (keyset pagination), one target
 * transaction per batch with its checkpoint, so a killed run resumes after its last committed
 * batch. `fdw` inserts from the foreign table on the target; `copy` streams
 * `COPY … TO STDOUT` from the source into `COPY … FROM STDIN` on the target.
 *
 * @module
 */
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { quoteIdent } from "../db/quote.ts";
import { DatabaseError } from "../db/errors.ts";
import { MigrationError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import {
  advanceCheckpointStatement,
  type Checkpoint,
  checkpointTable,
  ensureCheckpointTable,
  finishCheckpoint,
  readCheckpoint,
  startCheckpoint,
} from "./checkpoint.ts";
import { type SequenceSync, syncSequences } from "./sequences.ts";
import { CopyRowTap, decodeCopyRow } from "./copy_text.ts";
import { showName } from "./mapping.ts";
import { qualified, type Strategy, type TablePlan } from "./plan.ts";
import { keyAfter, keyArray, keyOrder, selectList, targetColumnList, whereFilter } from "./sql.ts";

/** Options for {@link migrateTable}. */
export interface MigrateOptions {
  staging: string;
  batchSize: number;
  /** Pause between batches, in milliseconds. */
  throttleMs: number;
  /** Continue from the checkpoint instead of refusing to touch a started table. */
  resume: boolean;
  /** Empty the target table and start over (the caller confirms on protected targets). */
  restart: boolean;
  onEvent: EventSink;
}

/** What migrating one table did. */
export interface TableMigrateResult {
  table: string;
  strategy: Strategy;
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

/** The two ends of a copy. */
export interface Endpoints {
  source: Database;
  target: Database;
}

/** The foreign table for a source table in the staging schema. */
export function stagingTable(staging: string, plan: TablePlan): string {
  return `${quoteIdent(staging)}.${quoteIdent(plan.source.name)}`;
}

/** The source's clock, which catch-up compares `updated_at`-style columns against. */
export async function sourceNow(source: Queryable): Promise<string> {
  const [row] = await source.query<{ now: string }>("SELECT now()::text AS now");
  return row.now;
}

/** Copy one table, batch by batch, with a checkpoint per batch. */
export async function migrateTable(
  ends: Endpoints,
  plan: TablePlan,
  options: MigrateOptions,
): Promise<TableMigrateResult> {
  const started = performance.now();
  const name = showName(plan.target);
  const { source, target } = ends;
  await ensureCheckpointTable(target, options.staging);
  let checkpoint = await readCheckpoint(target, options.staging, plan.target);
  if (options.restart) {
    await target.exec(`TRUNCATE ${qualified(plan.target)}`);
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
      `SELECT EXISTS (SELECT 1 FROM ${qualified(plan.target)}) AS any`,
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
      const { n, lastKey } = await batcher.next(last).catch((e) => {
        throw batchFailure(e, name, last);
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

// Batch sessions run with synchronous_commit = off: each batch commits together with its
// checkpoint, so a target crash can lose only whole recent batches along with their
// checkpoints, and --resume copies them again. Atomicity is kept; only the durability of the
// last moments is traded for not paying one WAL flush per batch.

/**
 * Rows to expect, for progress: the planner's estimate for a whole analysed table, else an
 * exact count (filtered tables, views, never-analysed tables).
 */
async function sourceRowCount(source: Queryable, plan: TablePlan): Promise<number> {
  if (!plan.where) {
    const [row] = await source.query<{ n: number }>(
      "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass($1) AND relkind IN ('r', 'p', 'm')",
      [qualified(plan.source)],
    );
    if (row && row.n > 0) return Math.round(row.n);
  }
  const [{ n }] = await source.query<{ n: number }>(
    `SELECT count(*)::float8 AS n FROM ${qualified(plan.source)} WHERE ${whereFilter(plan)}`,
  );
  return n;
}

/** A server error in a batch, as a MigrationError naming the table and where it stopped. */
export function batchFailure(e: unknown, table: string, after: string[] | null): unknown {
  if (!(e instanceof DatabaseError)) return e;
  return new MigrationError(
    `Cannot copy ${table} (batch ${after ? `after key (${after.join(", ")})` : "from the start"}): ${e.message}`,
    {
      code: "S2S_BATCH_FAILED",
      detail: e.detail,
      hint: e.hint ??
        "earlier batches are committed; fix the cause (mapping, target constraints, table order) and run migrate --resume",
      cause: e,
    },
  );
}

interface BatchResult {
  n: number;
  lastKey: string[] | null;
}

/** Moves one batch after a key; holds whatever session the strategy needs until released. */
interface Batcher {
  next(after: string[] | null): Promise<BatchResult>;
  release(): Promise<void>;
}

/** The SELECT of one batch over a source relation. */
export function batchSelect(
  plan: TablePlan,
  from: string,
  after: string[] | null,
  limit: number,
  extra = "true",
): string {
  return `SELECT ${selectList(plan)} FROM ${from} WHERE ${whereFilter(plan)} AND ${extra} AND ${
    keyAfter(plan, "source", after)
  } ORDER BY ${keyOrder(plan, "source")} LIMIT ${limit}`;
}

/**
 * Batches over the foreign table: one statement per batch on a dedicated target session,
 * the insert and its checkpoint in data-modifying CTEs, so a batch is atomic and costs one
 * round trip.
 */
function fdwBatcher(target: Database, plan: TablePlan, options: MigrateOptions): Batcher {
  let session: ReservedSession | undefined;
  return {
    async next(after) {
      if (!session) {
        session = await target.reserve();
        await session.exec("SET synchronous_commit = off");
      }
      const [row] = await session.query<{ n: number; last: string[] | null }>(
        `WITH b AS (INSERT INTO ${qualified(plan.target)} ${targetColumnList(plan)} OVERRIDING SYSTEM VALUE
                    ${batchSelect(plan, stagingTable(options.staging, plan), after, options.batchSize)}
                    RETURNING ${keyOrder(plan, "target")}),
              s AS (SELECT (SELECT count(*)::int FROM b) AS n,
                           (SELECT ${keyArray(plan, "target")} FROM b ORDER BY ${
          keyOrder(plan, "target", { desc: true })
        } LIMIT 1) AS last),
              c AS (UPDATE ${checkpointTable(options.staging)} SET last_key = s.last, rows_copied = rows_copied + s.n,
                           updated_at = now() FROM s WHERE target_table = $1 AND s.n > 0 RETURNING 1)
         SELECT s.n, s.last, (SELECT count(*)::int FROM c) AS recorded FROM s`,
        [name(plan)],
      );
      return { n: row.n, lastKey: row.last };
    },
    async release() {
      if (!session) return;
      // The connection returns to the pool: give it back with its default commit behaviour.
      await session.exec("RESET synchronous_commit").catch(() => {});
      await session.release();
    },
  };
}

function name(plan: TablePlan): string {
  return showName(plan.target);
}

/**
 * Batches over COPY: one reserved target session (COPY FROM STDIN must share the batch's
 * transaction with the checkpoint update), fed by a source COPY per batch.
 */
function copyBatcher(ends: Endpoints, plan: TablePlan, options: MigrateOptions): Batcher {
  let session: ReservedSession | undefined;
  const keyIndex = plan.key.map((k) => plan.columns.findIndex((c) => c.target === k.target));
  const into = `COPY ${qualified(plan.target)} ${targetColumnList(plan)} FROM STDIN`;
  return {
    async next(after) {
      if (!session) {
        session = await ends.target.reserve();
        await session.exec("SET synchronous_commit = off");
      }
      const s = session;
      const tap = new CopyRowTap();
      const out = ends.source.copyOut(
        `COPY (${batchSelect(plan, qualified(plan.source), after, options.batchSize)}) TO STDOUT`,
      );
      await s.exec("BEGIN");
      try {
        await s.copyIn(into, out.pipeThrough(tap));
        const n = tap.state.rows;
        let lastKey: string[] | null = null;
        if (n > 0) {
          const fields = decodeCopyRow(tap.state.lastLine!);
          lastKey = keyIndex.map((i) => fields[i] as string);
        }
        await s.exec(
          `${lastKey ? `${advanceCheckpointStatement(options.staging, plan.target, lastKey, n)}; ` : ""}COMMIT`,
        );
        return { n, lastKey };
      } catch (e) {
        await s.exec("ROLLBACK").catch(() => {});
        await out.cancel().catch(() => {});
        throw e;
      }
    },
    async release() {
      if (!session) return;
      await session.exec("RESET synchronous_commit").catch(() => {});
      await session.release();
    },
  };
}
