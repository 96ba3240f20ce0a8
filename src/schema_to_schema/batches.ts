/**
 * Moving one batch: the key-ordered SELECT, and the two batchers (`fdw`: one statement over
 * the foreign table; `copy`: a source COPY streamed into a target COPY), each committing the
 * batch together with its checkpoint.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { quoteQualified } from "../db/quote.ts";
import { MigrationError } from "../errors.ts";
import { advanceCheckpointStatement, checkpointTable } from "./checkpoint.ts";
import { CopyRowTap, decodeCopyRow } from "./copy_text.ts";
import type { Endpoints } from "./ends.ts";
import type { TablePlan } from "./plan.ts";
import { keyAfter, keyArray, keyOrder, selectList, targetColumnList, whereFilter } from "./sql.ts";

/** What a batcher needs to know. */
export interface BatchOptions {
  staging: string;
  batchSize: number;
  /** `lock_timeout` of the batch sessions, in ms (default 30 s). */
  lockTimeoutMs?: number;
}

/** The settings every batch session starts with. */
function sessionSettings(options: BatchOptions): string {
  const ms = Math.max(1, Math.round(options.lockTimeoutMs ?? 30_000));
  return `SET synchronous_commit = off; SET lock_timeout = ${ms}`;
}

/** The foreign table for a source table in the staging schema. */
export function stagingTable(staging: string, plan: TablePlan): string {
  return quoteQualified(staging, plan.source.name);
}

/** The source's clock, which catch-up compares `updated_at`-style columns against. */
export async function sourceNow(source: Queryable): Promise<string> {
  const [row] = await source.query<{ now: string }>("SELECT now()::text AS now");
  return row.now;
}

// Batch sessions run with synchronous_commit = off: each batch commits together with its
// checkpoint, so a target crash can lose only whole recent batches along with their
// checkpoints, and --resume copies them again. Atomicity is kept; only the durability of the
// last moments is traded for not paying one WAL flush per batch.

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

/** What one batch moved and the last key it reached. */
export interface BatchResult {
  n: number;
  lastKey: string[] | null;
}

/** Moves one batch after a key; holds whatever session the strategy needs until released. */
export interface Batcher {
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
export function fdwBatcher(target: Database, plan: TablePlan, options: BatchOptions): Batcher {
  let session: ReservedSession | undefined;
  return {
    async next(after) {
      if (!session) {
        session = await target.reserve();
        await session.exec(sessionSettings(options));
      }
      const [row] = await session.query<{ n: number; last: string[] | null }>(
        `WITH b AS (INSERT INTO ${formatQualifiedName(plan.target)} ${targetColumnList(plan)} OVERRIDING SYSTEM VALUE
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
      await session.exec("RESET synchronous_commit; RESET lock_timeout").catch(() => {});
      await session.release();
    },
  };
}

function name(plan: TablePlan): string {
  return qualifiedKey(plan.target);
}

/**
 * Batches over COPY: one reserved target session (COPY FROM STDIN must share the batch's
 * transaction with the checkpoint update), fed by a source COPY per batch.
 */
export function copyBatcher(ends: Endpoints, plan: TablePlan, options: BatchOptions): Batcher {
  let session: ReservedSession | undefined;
  const keyIndex = plan.key.map((k) => plan.columns.findIndex((c) => c.target === k.target));
  const into = `COPY ${formatQualifiedName(plan.target)} ${targetColumnList(plan)} FROM STDIN`;
  return {
    async next(after) {
      if (!session) {
        session = await ends.target.reserve();
        await session.exec(sessionSettings(options));
      }
      const s = session;
      const tap = new CopyRowTap();
      const out = ends.source.copyOut(
        `COPY (${batchSelect(plan, formatQualifiedName(plan.source), after, options.batchSize)}) TO STDOUT`,
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
      await session.exec("RESET synchronous_commit; RESET lock_timeout").catch(() => {});
      await session.release();
    },
  };
}
