/**
 * The `catch-up` phase: re-copy rows the source changed since the last copy or catch-up
 * (by a timestamp column such as `updated_at`), upserting on the key, and report rows the
 * source deleted by comparing keys chunk by chunk on both sides.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import { quoteIdent } from "../db/quote.ts";
import { ConfigError, MigrationError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { readCheckpoint, recordCatchUp } from "./checkpoint.ts";
import { readTable } from "./catalog.ts";
import { DEFAULT_TARGET_LOCK_TIMEOUT_MS, isLockTimeout, lockTimeout, waitForTableLock } from "./target_lock.ts";
import { batchFailure, sourceNow, stagingTable } from "./batches.ts";
import { assertDistinctEnds, type Endpoints } from "./ends.ts";
import type { DataPath, TablePlan } from "./plan.ts";
import {
  conflictTarget,
  keyAfter,
  keyArray,
  keyAtOrBefore,
  keyOrder,
  selectList,
  targetColumnList,
  upsertAction,
  whereFilter,
} from "./sql.ts";
import { type SequenceSync, syncSequences } from "./sequences.ts";
import { CopyRowTap, decodeCopyRow } from "./copy_text.ts";

/** Options for {@link catchUpTable}. */
export interface CatchUpOptions {
  staging: string;
  /** The source column holding each row's last-change time. */
  sinceColumn: string;
  /** Look this far before the recorded time, for transactions that committed late. */
  overlapMs: number;
  batchSize: number;
  throttleMs: number;
  /** Keys listed per table in the deleted-rows report. */
  maxDeletedKeys: number;
  /** Also delete those rows from the target (the caller confirms on protected targets). */
  applyDeletes: boolean;
  /** Bound on every lock wait on the target, in ms (default 30 s). */
  lockTimeoutMs?: number;
  onEvent: EventSink;
}

/** What a catch-up did for one table. */
export interface TableCatchUpResult {
  table: string;
  strategy: DataPath;
  /** The lower bound used (source clock, overlap applied). */
  since: string;
  /** Rows upserted. */
  rows: number;
  /** Rows in the target whose key the source no longer has (within the mapping's `where`). */
  deleted: number;
  /** Up to `maxDeletedKeys` of them, each key as text values. */
  deletedKeys: string[][];
  /** Whether they were deleted from the target (`applyDeletes`). */
  deletesApplied: boolean;
  /** Identity/serial sequences moved past the upserted keys. */
  sequences: SequenceSync[];
  durationMs: number;
}

/** Check before any work that every table has the since-column; all problems at once. */
export async function checkSinceColumn(ends: Endpoints, plans: TablePlan[], column: string): Promise<void> {
  const problems: string[] = [];
  for (const plan of plans) {
    const info = await readTable(ends.source, plan.source);
    const col = info?.columns.find((c) => c.name === column);
    if (!col) problems.push(`${qualifiedKey(plan.source)} has no column "${column}"`);
    else if (!/^(timestamp|date)/.test(col.type)) {
      problems.push(`${qualifiedKey(plan.source)}.${column} is ${col.type}, not a timestamp`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1
        ? `catch-up: ${problems[0]}`
        : `catch-up: ${problems.length} problems:\n  ${problems.join("\n  ")}`,
      { problems, hint: "pass --since-column with the column each source row updates when it changes" },
    );
  }
}

/** Upsert the rows changed since the last run, then count the rows the source deleted. */
export async function catchUpTable(
  ends: Endpoints,
  plan: TablePlan,
  options: CatchUpOptions,
): Promise<TableCatchUpResult> {
  const started = performance.now();
  const name = qualifiedKey(plan.target);
  await assertDistinctEnds(ends);
  const checkpoint = await readCheckpoint(ends.target, options.staging, plan.target);
  if (!checkpoint?.done) {
    throw new MigrationError(
      `${name} has not been fully copied yet; run migrate${checkpoint ? " --resume" : ""} first`,
      {
        code: "S2S_NOT_COPIED",
      },
    );
  }
  const lock = { timeoutMs: options.lockTimeoutMs ?? DEFAULT_TARGET_LOCK_TIMEOUT_MS, onEvent: options.onEvent };
  await waitForTableLock(ends.target, plan.target, "ROW EXCLUSIVE", lock);
  const startedAt = await sourceNow(ends.source);
  const [{ since }] = await ends.source.query<{ since: string }>(
    "SELECT ($1::timestamptz - $2 * interval '1 millisecond')::text AS since",
    [checkpoint.caughtUpAt ?? checkpoint.copyStartedAt, options.overlapMs],
  );
  const changed = `${quoteIdent(options.sinceColumn)} >= '${since.replaceAll("'", "''")}'::timestamptz`;
  let last: string[] | null = null;
  let rows = 0;
  for (;;) {
    const { n, lastKey }: { n: number; lastKey: string[] | null } = await (plan.strategy === "fdw"
      ? fdwUpsert(ends, plan, options, last, changed)
      : copyUpsert(ends, plan, options, last, changed)).catch(async (e) => {
        if (isLockTimeout(e)) {
          throw await lockTimeout(ends.target, plan.target, "ROW EXCLUSIVE", lock.timeoutMs);
        }
        throw batchFailure(e, name, last);
      });
    rows += n;
    last = lastKey;
    const finished = n < options.batchSize;
    options.onEvent({
      type: "progress",
      task: `${name} (catch-up)`,
      done: rows,
      total: finished ? rows : undefined,
      unit: "rows",
    });
    if (finished) {
      break;
    }
    if (options.throttleMs > 0) {
      await new Promise((r) =>
        setTimeout(r, options.throttleMs)
      );
    }
  }
  const deleted = await findDeletedKeys(ends, plan, options);
  const sequences = await syncSequences(ends.target, plan);
  await recordCatchUp(ends.target, options.staging, plan.target, startedAt);
  return {
    table: name,
    strategy: plan.strategy,
    since,
    rows,
    deleted: deleted.count,
    deletedKeys: deleted.keys,
    deletesApplied: options.applyDeletes,
    sequences,
    durationMs: Math.round(performance.now() - started),
  };
}

function changedSelect(plan: TablePlan, from: string, after: string[] | null, limit: number, changed: string): string {
  return `SELECT ${selectList(plan)} FROM ${from} WHERE ${whereFilter(plan)} AND ${changed} AND ${
    keyAfter(plan, "source", after)
  } ORDER BY ${keyOrder(plan, "source")} LIMIT ${limit}`;
}

function lockTimeoutSetting(options: CatchUpOptions): number {
  return Math.max(1, Math.round(options.lockTimeoutMs ?? DEFAULT_TARGET_LOCK_TIMEOUT_MS));
}

async function fdwUpsert(
  ends: Endpoints,
  plan: TablePlan,
  options: CatchUpOptions,
  after: string[] | null,
  changed: string,
): Promise<{ n: number; lastKey: string[] | null }> {
  // RETURNING reports target values; the batch's last key is read from the source rows instead,
  // so the next batch starts after the right source row even when upserts change nothing.
  const [row] = await ends.target.transaction(async (tx) => {
    await tx.exec(`SET LOCAL lock_timeout = ${lockTimeoutSetting(options)}`);
    return await tx.query<{ n: number; last: string[] | null }>(
      `WITH s AS MATERIALIZED (${
        changedSelect(plan, stagingTable(options.staging, plan), after, options.batchSize, changed)
      }),
          u AS (INSERT INTO ${formatQualifiedName(plan.target)} ${
        targetColumnList(plan)
      } OVERRIDING SYSTEM VALUE SELECT * FROM s
                ON CONFLICT ${conflictTarget(plan)} ${upsertAction(plan)} RETURNING 1)
     SELECT (SELECT count(*)::int FROM s) AS n,
            (SELECT ${keyArray(plan, "target", "s")} FROM s ORDER BY ${
        keyOrder(plan, "target", { desc: true, alias: "s" })
      } LIMIT 1) AS last, (SELECT count(*) FROM u) AS upserted`,
    );
  });
  return { n: row.n, lastKey: row.last };
}

async function copyUpsert(
  ends: Endpoints,
  plan: TablePlan,
  options: CatchUpOptions,
  after: string[] | null,
  changed: string,
): Promise<{ n: number; lastKey: string[] | null }> {
  const session = await ends.target.reserve();
  const keyIndex = plan.key.map((k) => plan.columns.findIndex((c) => c.target === k.target));
  try {
    await session.exec(`BEGIN; SET LOCAL lock_timeout = ${lockTimeoutSetting(options)}`);
    try {
      await session.exec(
        `CREATE TEMP TABLE confiture_catch_up ON COMMIT DROP AS SELECT ${
          plan.columns.map((c) => quoteIdent(c.target)).join(", ")
        } FROM ${formatQualifiedName(plan.target)} WITH NO DATA`,
      );
      const tap = new CopyRowTap();
      const out = ends.source.copyOut(
        `COPY (${changedSelect(plan, formatQualifiedName(plan.source), after, options.batchSize, changed)}) TO STDOUT`,
      );
      await session.copyIn(`COPY confiture_catch_up ${targetColumnList(plan)} FROM STDIN`, out.pipeThrough(tap));
      await session.exec(
        `INSERT INTO ${formatQualifiedName(plan.target)} ${
          targetColumnList(plan)
        } OVERRIDING SYSTEM VALUE SELECT * FROM confiture_catch_up
         ON CONFLICT ${conflictTarget(plan)} ${upsertAction(plan)}`,
      );
      await session.exec("COMMIT");
      const n = tap.state.rows;
      const fields = n > 0 ? decodeCopyRow(tap.state.lastLine!) : [];
      return { n, lastKey: n > 0 ? keyIndex.map((i) => fields[i] as string) : null };
    } catch (e) {
      await session.exec("ROLLBACK").catch(() => {});
      throw e;
    }
  } finally {
    await session.release();
  }
}

/**
 * Walk the source keys in chunks; where the target holds more rows for a chunk's key range,
 * list the target keys the source lacks. After the upserts the target holds every source row,
 * so the difference is exactly the deleted rows.
 */
async function findDeletedKeys(
  ends: Endpoints,
  plan: TablePlan,
  options: CatchUpOptions,
): Promise<{ count: number; keys: string[][] }> {
  const chunk = Math.max(options.batchSize, 10_000);
  let lo: string[] | null = null;
  let count = 0;
  const keys: string[][] = [];
  for (;;) {
    const [src]: { n: number; last: string[] | null }[] = await ends.source.query<{ n: number; last: string[] | null }>(
      `WITH c AS MATERIALIZED (SELECT ${keyOrder(plan, "source")} FROM ${formatQualifiedName(plan.source)}
               WHERE ${whereFilter(plan)} AND ${keyAfter(plan, "source", lo)} ORDER BY ${
        keyOrder(plan, "source")
      } LIMIT ${chunk})
       SELECT (SELECT count(*)::int FROM c) AS n,
              (SELECT ${keyArray(plan, "source")} FROM c ORDER BY ${
        keyOrder(plan, "source", { desc: true })
      } LIMIT 1) AS last`,
    );
    const hi: string[] | null = src.n < chunk ? null : src.last;
    const range = `${keyAfter(plan, "target", lo)} AND ${keyAtOrBefore(plan, "target", hi)}`;
    const [tgt] = await ends.target.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${formatQualifiedName(plan.target)} WHERE ${range}`,
    );
    if (tgt.n > src.n) {
      count += tgt.n - src.n;
      if (keys.length < options.maxDeletedKeys || options.applyDeletes) {
        const sourceKeys = new Set(
          (await ends.source.query<{ k: string[] }>(
            `SELECT ${keyArray(plan, "source")} AS k FROM ${formatQualifiedName(plan.source)} WHERE ${
              whereFilter(plan)
            } AND ${keyAfter(plan, "source", lo)} AND ${keyAtOrBefore(plan, "source", hi)}`,
          )).map((r) => JSON.stringify(r.k)),
        );
        const missing = (await ends.target.query<{ k: string[] }>(
          `SELECT ${keyArray(plan, "target")} AS k FROM ${formatQualifiedName(plan.target)} WHERE ${range} ORDER BY ${
            keyOrder(plan, "target")
          }`,
        )).map((r) => r.k).filter((k) => !sourceKeys.has(JSON.stringify(k)));
        keys.push(...missing.slice(0, Math.max(0, options.maxDeletedKeys - keys.length)));
        if (options.applyDeletes && missing.length > 0) await deleteKeys(ends, plan, missing);
      }
    }
    if (hi === null) break;
    lo = hi;
  }
  return { count, keys };
}

/** Delete target rows by key, the keys passed as one JSON parameter. */
async function deleteKeys(ends: Endpoints, plan: TablePlan, keys: string[][]): Promise<void> {
  const types = plan.key.map((k) => plan.columns.find((c) => c.target === k.target)!.targetType);
  const cols = plan.key.map((k, i) => `(e->>${i})::${types[i]} AS ${quoteIdent(k.target)}`).join(", ");
  const match = plan.key.map((k) => `t.${quoteIdent(k.target)} = d.${quoteIdent(k.target)}`).join(" AND ");
  await ends.target.query(
    `DELETE FROM ${formatQualifiedName(plan.target)} t
      USING (SELECT ${cols} FROM jsonb_array_elements($1::text::jsonb) e) d WHERE ${match}`,
    [JSON.stringify(keys)],
  );
}
