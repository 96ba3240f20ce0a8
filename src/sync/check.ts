/**
 * `sync check`: which columns of a database look like personal data and have no rule.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { readSyncCatalog } from "./catalog.ts";
import { CHECKPOINT_TABLE } from "./checkpoint.ts";
import { type PiiFinding, planSync, type SyncSelection } from "./plan.ts";
import type { Rule } from "./strategies.ts";

/** The outcome of a PII check. */
export interface PiiCheckReport {
  /** True when every PII-looking column has a rule. */
  ok: boolean;
  /** Tables inspected. */
  tables: number;
  /** Columns with a rule. */
  covered: number;
  unmasked: PiiFinding[];
}

/** List PII-looking columns of the selected tables that have no rule. */
export async function checkPii(
  db: Queryable,
  options: SyncSelection & { rules: ReadonlyMap<string, Rule>; ignoreTables?: readonly string[] },
): Promise<PiiCheckReport> {
  const catalog = await readSyncCatalog(db, options.schemas);
  // Planning a database against itself yields no mismatches: only rule coverage remains.
  const plan = planSync(catalog, catalog, {
    ...options,
    ignoreTables: [CHECKPOINT_TABLE, ...(options.ignoreTables ?? [])],
  });
  const tables = plan.groups.flatMap((g) => g.tables);
  const covered = [...options.rules.keys()].filter((k) => tables.some((t) => k.startsWith(`${t.key}.`))).length;
  return { ok: plan.unmaskedPii.length === 0, tables: tables.length, covered, unmasked: plan.unmaskedPii };
}
