/**
 * Turn discovered migration files into {@link LintMigration}s, and lint them in one call.
 *
 * @module
 */
import { type MigrationFile, readMigrationText } from "./files.ts";
import { relative, resolve } from "../platform/path.ts";
import { type LintMigration, lintMigrations, type LintOptions, type LintResult } from "../lint/lint_migrations.ts";

/**
 * Read the up texts of `files`, and the down texts when `downs` is set; paths are shown
 * relative to `projectDir`. `read` gives the texts when the caller reads them itself.
 */
export function readLintMigrations(
  files: readonly MigrationFile[],
  projectDir = ".",
  read?: (path: string) => string,
  downs = true,
): Promise<LintMigration[]> {
  const base = resolve(projectDir);
  const shown = (p: string) => {
    const r = relative(base, resolve(p));
    return r.startsWith("../") ? resolve(p) : r;
  };
  // Synchronous reads (see MigrationTexts); a marked single file (goose, dbmate) is read as its
  // up and its down part. Down texts are read only when `downs` is set.
  const text = read ?? readMigrationText;
  return Promise.resolve(files.map((f) => {
    const upSql = text(f.upPath);
    const downSql = downs && f.downPath ? text(f.downPath) : undefined;
    return {
      version: f.version,
      name: f.name,
      upFile: shown(f.upPath),
      upSql,
      downFile: f.downPath && downSql !== undefined ? shown(f.downPath) : undefined,
      downSql,
    };
  }));
}

/**
 * Read and lint migration files as one batch (what `migrate up` does with its pending files).
 * Down files are neither read nor linted unless `downs` is set (`confiture lint` sets it): a
 * down never stops an up.
 *
 * @example
 * ```ts
 * import { lintMigrationFiles } from "./lint_files.ts";
 * import { lintBlockedError } from "../lint/lint_gate.ts";
 * import type { MigrationFile } from "./files.ts";
 * import type { Database } from "../db/database.ts";
 * declare const pending: MigrationFile[], db: Database, projectDir: string;
 *
 * const result = await lintMigrationFiles(pending, { db, statementLockTimeoutMs: 5000, projectDir });
 * if (!result.ok) throw lintBlockedError(result);
 * ```
 */
export async function lintMigrationFiles(
  files: readonly MigrationFile[],
  options: LintOptions & { projectDir?: string; read?: (path: string) => string; downs?: boolean } = {},
): Promise<LintResult> {
  const downs = options.downs ?? false;
  const migrations = await readLintMigrations(files, options.projectDir, options.read, downs);
  return lintMigrations(migrations, { ...options, reversibility: downs });
}
