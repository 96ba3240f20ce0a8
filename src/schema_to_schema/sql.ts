/**
 * SQL fragments shared by the phases: select lists, keyset predicates, key ordering.
 * Pure string building over a TablePlan; every identifier is quoted and every key value is
 * a literal cast to its column's type.
 *
 * @module
 */
import { quoteIdent, quoteLiteral } from "../db/quote.ts";
import type { TablePlan } from "./plan.ts";

/** `expr AS col, …` over the source row, in target column order. */
export function selectList(plan: TablePlan): string {
  return plan.columns.map((c) => `${c.sourceSql} AS ${quoteIdent(c.target)}`).join(", ");
}

/**
 * `(col, …)`: the target column list. INSERTs add `OVERRIDING SYSTEM VALUE` so keys copied
 * into `GENERATED ALWAYS AS IDENTITY` columns keep their values (COPY does so by itself).
 */
export function targetColumnList(plan: TablePlan): string {
  return `(${plan.columns.map((c) => quoteIdent(c.target)).join(", ")})`;
}

/** Which side's key column names and types to use. */
export type Side = "source" | "target";

/** Key columns on one side, quoted, optionally prefixed with a table alias. */
export function keyColumns(plan: TablePlan, side: Side, alias?: string): string[] {
  const prefix = alias ? `${alias}.` : "";
  return plan.key.map((k) => prefix + quoteIdent(side === "source" ? k.source : k.target));
}

/** `k1, k2` or `k1 DESC, k2 DESC`. */
export function keyOrder(plan: TablePlan, side: Side, options: { desc?: boolean; alias?: string } = {}): string {
  return keyColumns(plan, side, options.alias).map((k) => (options.desc ? `${k} DESC` : k)).join(", ");
}

function keyType(plan: TablePlan, side: Side, i: number): string {
  const k = plan.key[i];
  return side === "source" ? k.sourceType : plan.columns.find((c) => c.target === k.target)!.targetType;
}

/**
 * Rows strictly after `last` in key order. Written as ORs of equalities rather than a row
 * comparison because postgres_fdw pushes these down to the source and row comparisons not.
 * The leading `k1 >= v1` lets the source use the index to start the range.
 */
export function keyAfter(plan: TablePlan, side: Side, last: readonly string[] | null, alias?: string): string {
  if (!last) return "true";
  const cols = keyColumns(plan, side, alias);
  const lit = (i: number) => `${quoteLiteral(last[i])}::${keyType(plan, side, i)}`;
  if (cols.length === 1) return `${cols[0]} > ${lit(0)}`;
  const ors: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => `${c} = ${lit(j)}`);
    ors.push([...eqs, `${cols[i]} > ${lit(i)}`].join(" AND "));
  }
  return `${cols[0]} >= ${lit(0)} AND (${ors.join(" OR ")})`;
}

/** Rows at or before `upTo` in key order (the upper bound of a chunk). */
export function keyAtOrBefore(plan: TablePlan, side: Side, upTo: readonly string[] | null, alias?: string): string {
  if (!upTo) return "true";
  const cols = keyColumns(plan, side, alias);
  const lit = (i: number) => `${quoteLiteral(upTo[i])}::${keyType(plan, side, i)}`;
  if (cols.length === 1) return `${cols[0]} <= ${lit(0)}`;
  const ors: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => `${c} = ${lit(j)}`);
    ors.push([...eqs, `${cols[i]} < ${lit(i)}`].join(" AND "));
  }
  ors.push(cols.map((c, i) => `${c} = ${lit(i)}`).join(" AND "));
  return `${cols[0]} <= ${lit(0)} AND (${ors.join(" OR ")})`;
}

/** `ARRAY[k1::text, …]`: a key as the text array checkpoints store. */
export function keyArray(plan: TablePlan, side: Side, alias?: string): string {
  return `ARRAY[${keyColumns(plan, side, alias).map((k) => `${k}::text`).join(", ")}]`;
}

/** The source-side filter: the mapping's `where`, or true. */
export function whereFilter(plan: TablePlan): string {
  // The newline ends a trailing `--` comment inside the filter before the parenthesis.
  return plan.where ? `(${plan.where}\n)` : "true";
}

/** `(k1, k2)` as a conflict target for upserts. */
export function conflictTarget(plan: TablePlan): string {
  return `(${keyColumns(plan, "target").join(", ")})`;
}

/** `SET c = EXCLUDED.c, …` for the non-key columns, or `NOTHING` when every column is a key. */
export function upsertAction(plan: TablePlan): string {
  const keys = new Set(plan.key.map((k) => k.target));
  const rest = plan.columns.filter((c) => !keys.has(c.target));
  if (rest.length === 0) return "DO NOTHING";
  return `DO UPDATE SET ${rest.map((c) => `${quoteIdent(c.target)} = EXCLUDED.${quoteIdent(c.target)}`).join(", ")}`;
}
