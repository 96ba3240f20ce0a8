/**
 * A rule that names a table or column the source does not have is a mistake that would let
 * the real column through unmasked (a typo, a renamed table): it is a problem, reported with
 * the rule's `file:line` and the nearest existing name.
 *
 * @module
 */
import { closest } from "../config/validate.ts";
import type { SyncCatalog } from "./catalog.ts";
import type { Rule } from "./rule.ts";
import { keyPart, splitKey, tableKey as makeKey } from "./names.ts";

/**
 * One problem per rule whose table or column is missing from `catalog`. Rules for schemas
 * outside `schemas` (when given) are not this run's business and are left alone.
 *
 * @example
 * ```ts
 * import { ruleTargetProblems } from "./rule_targets.ts";
 * import type { Rule } from "./rule.ts";
 * import type { SyncCatalog } from "./catalog.ts";
 * declare const rule: Rule, catalog: SyncCatalog;
 *
 * ruleTargetProblems(new Map([["public.tb_usr.email", rule]]), catalog);
 * // ['p.yaml:3: public.tb_usr.email: no such table in the source (did you mean "public.tb_user"?)']
 * ```
 */
export function ruleTargetProblems(
  rules: ReadonlyMap<string, Rule>,
  catalog: SyncCatalog,
  schemas: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const keys = [...catalog.tables.keys()];
  for (const [column, rule] of rules) {
    const [schema, tableName, name] = splitKey(column) ?? ["", "", ""];
    const tableKey = makeKey(schema, tableName);
    if (schemas.length > 0 && !schemas.includes(schema)) continue;
    const table = catalog.tables.get(tableKey);
    if (!table) {
      const near = closest(tableKey, keys) ?? keys.find((k) => k.endsWith(`.${keyPart(tableName)}`));
      problems.push(
        `${rule.origin}: ${column}: no such table in the source${near ? ` (did you mean "${near}"?)` : ""}`,
      );
    } else if (!table.columns.some((c) => c.name === name)) {
      const near = closest(name, table.columns.map((c) => c.name));
      problems.push(
        `${rule.origin}: ${column}: no such column in the source${
          near ? ` (did you mean "${tableKey}.${near}"?)` : ""
        }`,
      );
    }
  }
  return problems;
}
