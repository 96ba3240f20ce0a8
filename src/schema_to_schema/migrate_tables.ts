/**
 * The `migrate` phase over every planned table, in mapping order. A lost connection ends the
 * run with one ConnectionError (exit 3) that says which tables are copied, how far the
 * interrupted one got, and which were not started.
 *
 * @module
 */
import { qualifiedKey } from "../db/qualified_name.ts";
import { ConnectionError } from "../errors.ts";
import type { Endpoints } from "./ends.ts";
import { CopyInterruptedError } from "./interrupted.ts";
import { type MigrateOptions, migrateTable, type TableMigrateResult } from "./migrate_table.ts";
import type { TablePlan } from "./plan.ts";

/** Copy every table of `plans`, one after the other. */
export async function migrateTables(
  ends: Endpoints,
  plans: TablePlan[],
  options: MigrateOptions,
): Promise<TableMigrateResult[]> {
  const results: TableMigrateResult[] = [];
  for (const [i, plan] of plans.entries()) {
    try {
      results.push(await migrateTable(ends, plan, options));
    } catch (e) {
      if (!(e instanceof CopyInterruptedError)) throw e;
      const copied = results.map((r) => `${r.table} (${r.totalRows} rows)`);
      const notStarted = plans.slice(i + 1).map((p) => qualifiedKey(p.target));
      throw new ConnectionError(
        `${e.message}; copied: ${copied.join(", ") || "none"}; not started: ${notStarted.join(", ") || "none"}`,
        {
          cause: e.cause,
          hint: e.hint,
          details: { ...e.details, copied: results.map((r) => r.table), not_started: notStarted },
        },
      );
    }
  }
  return results;
}
