/**
 * Allow directives: `-- confiture:allow RULE[,RULE…] reason` in a migration, or `--allow RULE`
 * on the command line. An inline directive covers the statement it precedes, or the statement
 * it trails on the same line; the reason is required because it is stored with the migration.
 *
 * @module
 */
import type { ParsedSql } from "./parse_sql.ts";
import type { Statement } from "../sql/split.ts";
import { isRuleId } from "../config/lint_rules.ts";

/** An inline allow that applies to one statement. */
export interface InlineAllow {
  rules: string[];
  reason: string;
  /** Index of the statement it covers. */
  statement: number;
  line: number;
}

/** A directive that could not be used, with where it is. */
export interface AllowProblem {
  line: number;
  column: number;
  message: string;
}

const DIRECTIVE = /^--\s*confiture:allow\b(.*)$/;

/** Read the allow directives of one parsed file. */
export function readInlineAllows(parsed: ParsedSql): { allows: InlineAllow[]; problems: AllowProblem[] } {
  const allows: InlineAllow[] = [];
  const problems: AllowProblem[] = [];
  for (const c of parsed.comments) {
    const m = DIRECTIVE.exec(c.text.trim());
    if (!m) continue;
    const at = parsed.source.positionAt(c.start);
    const problem = (message: string) => problems.push({ line: at.line, column: at.column, message });
    const [ruleList = "", ...words] = m[1].trim().split(/\s+/);
    const rules = ruleList.split(",").filter(Boolean);
    const reason = words.join(" ").trim();
    if (rules.length === 0) {
      problem("`-- confiture:allow` needs a rule id and a reason");
      continue;
    }
    const unknown = rules.filter((r) => !isRuleId(r));
    if (unknown.length > 0) {
      problem(`unknown rule ${unknown.map((r) => `"${r}"`).join(", ")} in \`-- confiture:allow\``);
      continue;
    }
    if (!reason) {
      problem(`\`-- confiture:allow ${rules.join(",")}\` needs a reason after the rule id`);
      continue;
    }
    const target = targetStatement(parsed, c.start, at.line);
    if (!target) {
      problem(`\`-- confiture:allow ${rules.join(",")}\` is not followed by a statement`);
      continue;
    }
    allows.push({ rules, reason, statement: target.index, line: at.line });
  }
  return { allows, problems };
}

function targetStatement(parsed: ParsedSql, commentStart: number, commentLine: number): Statement | undefined {
  const s = parsed.statements;
  const inside = s.find((st) => st.start <= commentStart && commentStart < st.end);
  if (inside) return inside;
  const before = s.filter((st) => st.end <= commentStart).at(-1);
  if (before && parsed.source.positionAt(before.end).line === commentLine) return before;
  return s.find((st) => st.start >= commentStart);
}

/**
 * Parse `--allow` values: `RULE` or `RULE=reason`. Unknown rules are returned separately so the
 * caller can report a usage error.
 */
export function parseAllowFlags(values: readonly string[]): { allow: Map<string, string>; unknown: string[] } {
  const allow = new Map<string, string>();
  const unknown: string[] = [];
  for (const v of values) {
    const eq = v.indexOf("=");
    const rule = (eq < 0 ? v : v.slice(0, eq)).trim();
    const reason = eq < 0 ? "" : v.slice(eq + 1).trim();
    if (!isRuleId(rule)) unknown.push(rule);
    else allow.set(rule, reason || "allowed with --allow");
  }
  return { allow, unknown };
}
