/**
 * After rows arrive with their keys, the target's identity and serial sequences still start
 * at 1; move each past the largest copied value so the application's first insert after
 * cutover does not collide.
 *
 * @module
 */
import { formatQualifiedName } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { quoteIdent } from "../db/quote.ts";
import type { TablePlan } from "./plan.ts";

/** A sequence moved past a column's largest value. */
export interface SequenceSync {
  column: string;
  sequence: string;
  /** The sequence's new current value (the next one handed out is this plus one). */
  value: number;
}

/** Set every identity/serial sequence of the mapped columns past the column's maximum. */
export async function syncSequences(target: Queryable, plan: TablePlan): Promise<SequenceSync[]> {
  const table = formatQualifiedName(plan.target);
  const owned = await target.query<{ column: string; sequence: string }>(
    `SELECT a.attname AS column, pg_get_serial_sequence($1, a.attname) AS sequence
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence($1, a.attname) IS NOT NULL`,
    [table],
  );
  const mapped = new Set(plan.columns.map((c) => c.target));
  const out: SequenceSync[] = [];
  for (const { column, sequence } of owned.filter((o) => mapped.has(o.column))) {
    const [row] = await target.query<{ value: string | null }>(
      `SELECT max(${quoteIdent(column)})::text AS value FROM ${table}`,
    );
    if (row.value === null) continue;
    // pg_get_serial_sequence returns a quoted, qualified name, safe to interpolate.
    // Never move a sequence backwards: the application may already have used higher values.
    const [set] = await target.query<{ value: string }>(
      `SELECT setval($1::regclass, greatest($2::bigint, (SELECT last_value FROM ${sequence})))::text AS value`,
      [sequence, row.value],
    );
    out.push({ column, sequence, value: Number(set.value) });
  }
  return out;
}
