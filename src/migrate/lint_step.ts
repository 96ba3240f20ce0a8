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
  if (options.lint === false || pending.length === 0) return () => undefined;
  const { lintMigrationFiles } = await import("../lint/read_migrations.ts");
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
  if (!result.ok) throw lintBlockedError(result);
  for (const f of result.findings.filter((f) => f.severity === "warning" && !f.allowed)) {
    context.emit({ type: "warning", message: `${f.file}:${f.line}:${f.column}: [${f.rule}] ${f.message}` });
  }
  return (version) => {
    const found = allowedFindings(result, version);
    return found.length > 0 ? found : undefined;
  };
}
