/**
 * What `migrate up` needs from lint: the error that stops it, and the allowed findings to store
 * with each migration's tracking row.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { locate, MigrationError } from "../errors.ts";
import { count } from "../plural.ts";
import type { LintFinding, LintOptions, LintResult } from "./lint_migrations.ts";

/** An allowed finding as stored in the tracking row (`lint_allowed jsonb`). */
export interface AllowedFinding {
  rule: string;
  severity: string;
  line: number;
  column: number;
  message: string;
  reason: string;
}

/** The findings that stop `migrate up`: errors not allowed. */
export function blockingFindings(result: LintResult): LintFinding[] {
  return result.findings.filter((f) => f.severity === "error" && !f.allowed);
}

/**
 * The error `migrate up` throws when lint finds errors nobody allowed (exit 1). Its `details`
 * carry the findings for the JSON envelope.
 */
export function lintBlockedError(result: LintResult): MigrationError {
  const blocking = blockingFindings(result);
  const lines = blocking.map((f) =>
    `\n    ${locate(f)}: [${f.rule}] ${f.message}\n      why: ${f.why}\n      fix: ${f.fix}`
  );
  return new MigrationError(
    `Lint found ${count(blocking.length, "error")} in pending migrations; nothing was applied`,
    {
      code: "LINT_BLOCKED",
      detail: `${count(blocking.length, "finding")}:${lines.join("")}`,
      hint: "Fix the migration, or allow a finding with `-- confiture:allow RULE reason` on the line before the " +
        "statement, or with --allow RULE",
      details: { findings: blocking },
    },
  );
}

/** The allowed findings of one migration, for its tracking row; empty when none. */
export function allowedFindings(result: LintResult, version: string): AllowedFinding[] {
  return result.findings
    .filter((f) => f.allowed && f.version === version)
    .map((f) => ({
      rule: f.rule,
      severity: f.severity,
      line: f.line,
      column: f.column,
      message: f.message,
      reason: f.reason ?? "",
    }));
}

/**
 * The lint options an environment implies: the runner's lock_timeout and the `lint:` section.
 * Add `db` and `allow` (from `--allow`, see `parseAllowFlags`) before calling.
 */
export function lintOptionsFor(env: Environment): LintOptions & { projectDir: string } {
  return {
    statementLockTimeoutMs: env.migration.statementLockTimeoutMs,
    settings: { smallTableRows: env.file.lint.small_table_rows, rules: env.file.lint.rules },
    projectDir: env.projectDir,
  };
}
