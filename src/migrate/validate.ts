/**
 * Offline checks of the migrations folder: naming, duplicate versions, files that are not
 * migrations, and SQL that does not parse (with file:line:col), all reported at once. A down
 * file's problems are warnings: they block only a rollback through that migration.
 *
 * @module
 */
import { ConfitureError } from "../errors.ts";
import { collectMigrations, fileName, readFolder, readMigrationText } from "./files.ts";
import { prepareScript } from "./script.ts";

/** One finding of `migrate validate`. */
export interface ValidationIssue {
  severity: "error" | "warning";
  code: string;
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
}

/** Result of {@link validateMigrations}. */
export interface ValidationResult {
  ok: boolean;
  migrations: number;
  issues: ValidationIssue[];
}

/** Codes of folder problems that make the migrations unknowable (checksums are not checked then). */
export const FOLDER_ERROR_CODES: ReadonlySet<string> = new Set([
  "NO_MIGRATIONS_DIR",
  "BAD_NAME",
  "DUPLICATE_VERSION",
  "NOT_A_FILE",
  "SYMLINK_BROKEN",
  "NOT_SQL",
  "MARKERS_INVALID",
]);

/** Check every file in the migrations folder without touching a database. */
export async function validateMigrations(dir: string, shownDir: string): Promise<ValidationResult> {
  const issue = (
    severity: ValidationIssue["severity"],
    code: string,
    message: string,
    file: string | null,
  ): ValidationIssue => ({ severity, code, message, file, line: null, column: null });
  const entries = await readFolder(dir);
  if (!entries) {
    return {
      ok: false,
      migrations: 0,
      issues: [issue("error", "NO_MIGRATIONS_DIR", `${shownDir} does not exist`, shownDir)],
    };
  }
  const { migrations, problems, warnings } = collectMigrations(dir, entries);
  const issues: ValidationIssue[] = [
    ...problems.map((p) => issue("error", p.code, p.message, p.file ? `${shownDir}/${p.file}` : shownDir)),
    ...warnings.map((p) => issue("warning", p.code, p.message, p.file ? `${shownDir}/${p.file}` : shownDir)),
  ];
  const defaults = { statementLockTimeoutMs: 0, statementTimeoutMs: 0 };
  for (const m of migrations) {
    const up = `${shownDir}/${fileName(m.upPath)}`;
    if (!m.downPath) {
      issues.push(issue("warning", "MISSING_DOWN", `${up} has no down part: it cannot be rolled back`, up));
    }
    for (const [path, shown, direction] of [[m.upPath, up, "up"], [m.downPath, "", "down"]] as const) {
      if (!path) continue;
      const where = shown || `${shownDir}/${fileName(path)}`;
      try {
        const script = await prepareScript(readMigrationText(path), where, defaults);
        if (direction === "down" && script.statements.length === 0) {
          issues.push(
            issue("warning", "DOWN_EMPTY", `${where} is empty: rolling back removes only the tracking row`, where),
          );
        }
      } catch (e) {
        if (!(e instanceof ConfitureError)) throw e;
        const down = direction === "down";
        issues.push({
          severity: down ? "warning" : "error",
          code: down ? "DOWN_INVALID" : e.code,
          message: down ? `${e.message} (this blocks only a rollback of ${m.version})` : e.message,
          file: e.file ?? where,
          line: e.line ?? null,
          column: e.column ?? null,
        });
      }
    }
  }
  return { ok: !issues.some((i) => i.severity === "error"), migrations: migrations.length, issues };
}
