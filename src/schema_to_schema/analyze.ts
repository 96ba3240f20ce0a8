/**
 * The `analyze` phase: per table, the source's row estimate and size, the chosen strategy,
 * the number of batches, and where an earlier run stopped.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { readCheckpoints } from "./checkpoint.ts";
import type { Endpoints } from "./ends.ts";
import type { DataPath, TablePlan } from "./plan.ts";

/** One table's line in the plan. */
export interface TableAnalysis {
  table: string;
  source: string;
  /** Planner estimate (`reltuples`), or an exact count when the source was never analysed. */
  sourceRows: number;
  rowsExact: boolean;
  /** Table, indexes and TOAST, in bytes. */
  sourceBytes: number;
  strategy: DataPath;
  key: string[];
  batches: number;
  filtered: boolean;
  /** From the checkpoint: `not started`, `in progress` or `copied`. */
  state: "not started" | "in progress" | "copied";
  rowsCopied: number;
  /** Why the last run of this table stopped (from the checkpoint), or null. */
  lastError: string | null;
}

/** Build the plan summary for every table. */
export async function analyzeTables(
  ends: Endpoints,
  plans: TablePlan[],
  options: { staging: string; batchSize: number },
): Promise<TableAnalysis[]> {
  const checkpoints = await readCheckpoints(ends.target, options.staging);
  const out: TableAnalysis[] = [];
  for (const plan of plans) {
    const { rows, exact, bytes } = await sourceSize(ends.source, plan);
    const cp = checkpoints.get(qualifiedKey(plan.target));
    out.push({
      table: qualifiedKey(plan.target),
      source: qualifiedKey(plan.source),
      sourceRows: rows,
      rowsExact: exact,
      sourceBytes: bytes,
      strategy: plan.strategy,
      key: plan.key.map((k) => k.target),
      batches: Math.max(1, Math.ceil(rows / options.batchSize)),
      filtered: plan.where !== undefined,
      state: !cp ? "not started" : cp.done ? "copied" : "in progress",
      rowsCopied: cp?.rowsCopied ?? 0,
      lastError: cp?.done ? null : cp?.lastError ?? null,
    });
  }
  return out;
}

async function sourceSize(
  source: Queryable,
  plan: TablePlan,
): Promise<{ rows: number; exact: boolean; bytes: number }> {
  const [row] = await source.query<{ reltuples: number; bytes: number }>(
    `SELECT c.reltuples::float8 AS reltuples, pg_total_relation_size(c.oid)::float8 AS bytes
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [formatQualifiedName(plan.source)],
  );
  // reltuples is -1 before the first ANALYZE (and always for views): count instead.
  if (row.reltuples >= 0 && (row.reltuples > 0 || row.bytes > 16_384)) {
    return { rows: Math.round(row.reltuples), exact: false, bytes: row.bytes };
  }
  const [count] = await source.query<{ n: number }>(
    `SELECT count(*)::float8 AS n FROM ${formatQualifiedName(plan.source)}`,
  );
  return { rows: count.n, exact: true, bytes: row.bytes };
}
