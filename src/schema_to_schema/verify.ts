/**
 * The `verify` phase: walk each table in key-ordered chunks and compare, per chunk, the row
 * count and a content checksum computed on both sides with the mapping applied (the source
 * rows are cast to the target's column types first, so equal data hashes equally).
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { quoteIdent } from "../db/quote.ts";
import type { EventSink } from "../events.ts";
import type { Endpoints } from "./ends.ts";
import type { TablePlan } from "./plan.ts";
import { keyAfter, keyArray, keyAtOrBefore, keyOrder, whereFilter } from "./sql.ts";

/** Options for {@link verifyTable}. */
export interface VerifyOptions {
  /** Source rows per chunk. */
  chunkSize: number;
  /** Mismatching ranges listed per table. */
  maxMismatches: number;
  onEvent: EventSink;
}

/** A key range whose rows differ. Bounds are keys as text values; null means open. */
export interface MismatchRange {
  /** Exclusive lower bound. */
  after: string[] | null;
  /** Inclusive upper bound. */
  upTo: string[] | null;
  sourceRows: number;
  targetRows: number;
  /** What differs: the row counts, or (same counts) the rows' content checksums. */
  differs: "row_count" | "checksum";
}

/** The verdict for one table. */
export interface TableVerifyResult {
  table: string;
  sourceRows: number;
  targetRows: number;
  match: boolean;
  chunks: number;
  /** Mismatching ranges, at most `maxMismatches`. */
  mismatches: MismatchRange[];
  /** All mismatching chunks, including those not listed. */
  mismatchCount: number;
}

// Both sides render values to text the same way whatever their server defaults.
const SETTINGS = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; " +
  "SET extra_float_digits = 1; SET bytea_output = 'hex'";

/** Compare one table chunk by chunk. */
export async function verifyTable(
  ends: Endpoints,
  plan: TablePlan,
  options: VerifyOptions,
): Promise<TableVerifyResult> {
  const name = qualifiedKey(plan.target);
  const [source, target] = [await session(ends.source), await session(ends.target)];
  try {
    const { sourceHash, targetHash } = await rowHashes(source, plan);
    let lo: string[] | null = null;
    const result: TableVerifyResult = {
      table: name,
      sourceRows: 0,
      targetRows: 0,
      match: true,
      chunks: 0,
      mismatches: [],
      mismatchCount: 0,
    };
    for (;;) {
      const [src]: { n: number; sum: string; last: string[] | null }[] = await source.query(
        `WITH c AS MATERIALIZED (SELECT ${keyOrder(plan, "source")}, ${sourceHash} AS h FROM ${
          formatQualifiedName(plan.source)
        }
                 WHERE ${whereFilter(plan)} AND ${keyAfter(plan, "source", lo)}
                 ORDER BY ${keyOrder(plan, "source")} LIMIT ${options.chunkSize})
         SELECT (SELECT count(*)::int FROM c) AS n, (SELECT coalesce(sum(h), 0)::text FROM c) AS sum,
                (SELECT ${keyArray(plan, "source")} FROM c ORDER BY ${
          keyOrder(plan, "source", { desc: true })
        } LIMIT 1) AS last`,
      );
      const hi: string[] | null = src.n < options.chunkSize ? null : src.last;
      const [tgt] = await target.query<{ n: number; sum: string }>(
        `SELECT count(*)::int AS n, coalesce(sum(h), 0)::text AS sum FROM (SELECT ${targetHash} AS h
           FROM ${formatQualifiedName(plan.target)} WHERE ${keyAfter(plan, "target", lo)} AND ${
          keyAtOrBefore(plan, "target", hi)
        }) c`,
      );
      result.chunks++;
      result.sourceRows += src.n;
      result.targetRows += tgt.n;
      if (src.n !== tgt.n || src.sum !== tgt.sum) {
        result.match = false;
        result.mismatchCount++;
        if (result.mismatches.length < options.maxMismatches) {
          result.mismatches.push({
            after: lo,
            upTo: hi,
            sourceRows: src.n,
            targetRows: tgt.n,
            differs: src.n !== tgt.n ? "row_count" : "checksum",
          });
        }
      }
      options.onEvent({
        type: "progress",
        task: `${name} (verify)`,
        done: result.sourceRows,
        total: hi === null ? result.sourceRows : undefined,
        unit: "rows",
      });
      if (hi === null) break;
      lo = hi;
    }
    return result;
  } finally {
    await release(source);
    await release(target);
  }
}

async function session(db: Database): Promise<ReservedSession> {
  const s = await db.reserve();
  try {
    await s.exec(SETTINGS);
  } catch (e) {
    await s.release();
    throw e;
  }
  return s;
}

async function release(s: ReservedSession): Promise<void> {
  // The connection returns to the pool: undo our settings first.
  await s.exec("RESET ALL").catch(() => {});
  await s.release();
}

/**
 * The per-row hash on each side: md5 of the row rendered as text, folded to a bigint so a
 * chunk's checksum is an order-independent sum. Source values are cast to the target column
 * types when the source knows them, else both sides compare the text form.
 */
async function rowHashes(source: Queryable, plan: TablePlan): Promise<{ sourceHash: string; targetHash: string }> {
  const types = [...new Set(plan.columns.map((c) => c.targetType))];
  const known = new Set(
    (await source.query<{ t: string }>(
      "SELECT t FROM unnest($1::text::text[]) t WHERE to_regtype(t) IS NOT NULL",
      [`{${types.map((t) => `"${t.replaceAll('"', '\\"')}"`).join(",")}}`],
    )).map((r) => r.t),
  );
  const src = plan.columns.map((c) => `(${c.sourceSql})::${known.has(c.targetType) ? c.targetType : "text"}`);
  const tgt = plan.columns.map((c) => known.has(c.targetType) ? quoteIdent(c.target) : `${quoteIdent(c.target)}::text`);
  const fold = (cols: string[]) => `('x' || left(md5(ROW(${cols.join(", ")}, 0)::text), 16))::bit(64)::bigint::numeric`;
  return { sourceHash: fold(src), targetHash: fold(tgt) };
}
