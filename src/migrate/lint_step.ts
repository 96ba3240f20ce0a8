/**
 * The lint gate of `up`: the lock-aware lint over the pending files, refusing errors nobody
 * allowed. Loaded lazily: the parser and rules cost nothing when there is nothing to apply.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import type { EventSink } from "../events.ts";
import type { MigrationFile, MigrationTexts } from "./files.ts";
import type { MigratorSettings, UpOptions } from "./options.ts";
import { ConfitureError, EXIT } from "../errors.ts";

const LOCK_RULE = "releases-migration-lock";

/**
 * A statement that releases the deployment lock lets a second deployer apply the same
 * migrations: refused before anything runs, whatever `--no-lint`, `--allow`, an inline allow or
 * the rule configuration say.
 */
function refuseLockRelease(
  findings: readonly { rule: string; file: string; line: number; column: number; message: string }[],
): void {
  const found = findings.filter((f) => f.rule === LOCK_RULE);
  if (found.length === 0) return;
  const [f] = found;
  throw new ConfitureError(
    "RELEASES_MIGRATION_LOCK",
    EXIT.failure,
    `${f.file}:${f.line}:${f.column}: ${f.message}; nothing was applied`,
    {
      file: f.file,
      line: f.line,
      column: f.column,
      detail: found.slice(1).map((g) => `${g.file}:${g.line}:${g.column}: ${g.message}`).join("\n") || undefined,
      hint: "Remove the statement: Confiture resets session state between migrations itself " +
        "(docs/internals.md), so a migration never needs DISCARD ALL or to unlock advisory locks it did not take",
    },
  );
}

/** What the gate reads from the Migrator. */
export interface LintStepContext {
  statementLockTimeoutMs: number;
  settings: NonNullable<MigratorSettings["lint"]>;
  projectDir: string;
  emit: EventSink;
}

/**
 * Run the lint over `pending`; throw when it finds errors nobody allowed, emit its warnings.
 * Returns the allowed findings per version, for the tracking rows.
 */
export async function lintPending(
  db: Queryable,
  pending: MigrationFile[],
  options: Pick<UpOptions, "lint" | "allow">,
  texts: MigrationTexts,
  context: LintStepContext,
): Promise<(version: string) => unknown> {
  if (pending.length === 0) return () => undefined;
  const { lintMigrationFiles } = await import("./lint_files.ts");
  if (options.lint === false) {
    // `--no-lint` skips advice, never the one check that keeps two deployers out.
    const { RULES } = await import("../config/lint_rules.ts");
    const only = await lintMigrationFiles(pending, {
      reversibility: false,
      settings: { rules: Object.fromEntries(RULES.map((r) => [r.id, r.id === LOCK_RULE ? "error" : "off"])) },
      projectDir: context.projectDir,
      read: (path) => texts.text(path),
    });
    refuseLockRelease(only.findings);
    return () => undefined;
  }
  const { allowedFindings, lintBlockedError } = await import("../lint/lint_gate.ts");
  const result = await lintMigrationFiles(pending, {
    db,
    reversibility: false,
    statementLockTimeoutMs: context.statementLockTimeoutMs,
    allow: options.allow,
    settings: context.settings,
    projectDir: context.projectDir,
    read: (path) => texts.text(path),
  });
  // (The lint refuses releases-migration-lock itself: the rule cannot be allowed.)
  if (!result.ok) throw lintBlockedError(result);
  for (const f of result.findings.filter((f) => f.severity === "warning" && !f.allowed)) {
    context.emit({ type: "warning", message: `${f.file}:${f.line}:${f.column}: [${f.rule}] ${f.message}` });
  }
  return (version) => {
    const found = allowedFindings(result, version);
    return found.length > 0 ? found : undefined;
  };
}
