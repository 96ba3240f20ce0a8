/**
 * The `lint:` section of an environment file.
 *
 * ```yaml
 * lint:
 *   small_table_rows: 10000      # below this many live rows, lock findings are warnings
 *   rules:
 *     missing-down: error        # error | warning | off
 *     rename-breaks-code: off
 * ```
 *
 * @module
 */
import { closest, int, obj, oneOf, record, type Spec, withDefault } from "../validate.ts";
import { RULES } from "../lint_rules.ts";

const RULE_IDS = RULES.map((r) => r.id);

/** `rules:` — a severity per known rule id. */
const ruleSeverities: Spec<Record<string, "error" | "warning" | "off">> = (v, path, ctx) => {
  const out = record(oneOf(["error", "warning", "off"] as const))(v, path, ctx);
  if (out === undefined) return undefined;
  let ok = true;
  for (const key of Object.keys(out)) {
    if (RULE_IDS.includes(key)) continue;
    const near = closest(key, RULE_IDS);
    ctx.problems.push({
      path: `${path}.${key}`,
      message: `unknown lint rule${near ? ` (did you mean "${near}"?)` : ""}`,
      line: ctx.lineOf(`${path}.${key}`),
    });
    ok = false;
  }
  return ok ? out : undefined;
};

/** The validated `lint:` section. */
export interface LintSection {
  small_table_rows: number;
  rules: Record<string, "error" | "warning" | "off">;
}

/** Validator for the `lint:` section. */
export const lintSection: Spec<LintSection> = obj({
  /** Tables with fewer live rows (pg_class.reltuples) get lock findings as warnings, not errors. */
  small_table_rows: withDefault(int({ min: 0 }), 10_000),
  /** Severity overrides per rule id. */
  rules: withDefault(ruleSeverities, {} as Record<string, "error" | "warning" | "off">),
});
