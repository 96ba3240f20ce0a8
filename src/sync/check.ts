/**
 * `sync check`: which columns of a database (or parts of them: array elements, composite
 * fields, json paths, hstore keys) look like personal data and have no rule. The findings
 * come from the same plan `sync` builds, so the two never disagree.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { ConfigError } from "../errors.ts";
import { readSyncCatalog } from "./catalog.ts";
import { readNestedColumns } from "./column_shapes.ts";
import { confitureTables } from "./owned_tables.ts";
import { type PiiFinding, planSync, type SyncSelection } from "./plan.ts";
import type { Rule, StrategyName } from "./rule.ts";

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

/**
 * List PII-looking columns of the selected tables that have no rule. Rules that cannot apply
 * (a missing table or column, a strategy that cannot write the type) throw a ConfigError, as
 * they do in `sync`.
 */
export async function checkPii(
  db: Queryable,
  options: SyncSelection & {
    rules: ReadonlyMap<string, Rule>;
    flagRules?: readonly { column: string; strategy?: StrategyName }[];
    ignoreTables?: readonly string[];
  },
): Promise<PiiCheckReport> {
  const ignoreTables = confitureTables(options.ignoreTables);
  const catalog = await readNestedColumns(db, await readSyncCatalog(db, options.schemas), {
    ...options,
    ignoreTables,
  });
  // Planning a database against itself yields no mismatches: only rule coverage remains.
  const plan = planSync(catalog, catalog, { ...options, ignoreTables });
  if (plan.problems.length > 0) {
    const s = plan.problems.length === 1 ? "" : "s";
    throw new ConfigError(
      `${plan.problems.length} anonymization rule problem${s}:\n  ${plan.problems.join("\n  ")}`,
      { problems: plan.problems, code: "SYNC_RULE_INVALID" },
    );
  }
  const tables = plan.groups.flatMap((g) => g.tables);
  const keys = new Set([...options.rules.keys(), ...(options.flagRules ?? []).map((f) => f.column)]);
  const covered = [...keys].filter((k) => tables.some((t) => k.startsWith(`${t.key}.`))).length;
  return { ok: plan.unmaskedPii.length === 0, tables: tables.length, covered, unmasked: plan.unmaskedPii };
}
