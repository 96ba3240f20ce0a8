/**
 * Offline checks of the migrations folder: naming, duplicate versions, missing down files,
 * and SQL that does not parse (with file:line:col), all reported at once.
 *
 * @module
 */
import { ConfitureError } from "../errors.ts";
import { listDir, readText } from "../platform/fs.ts";
import { collectMigrations } from "./files.ts";
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

/** Check every file in the migrations folder without touching a database. */
export async function validateMigrations(dir: string, shownDir: string): Promise<ValidationResult> {
  const entries = await listDir(dir);
  if (!entries) {
    return {
      ok: false,
      migrations: 0,
      issues: [{
        severity: "error",
        code: "NO_MIGRATIONS_DIR",
        message: `${shownDir} does not exist`,
        file: shownDir,
        line: null,
        column: null,
      }],
    };
  }
  const { migrations, problems } = collectMigrations(dir, entries.filter((e) => e.isFile).map((e) => e.name));
  const issues: ValidationIssue[] = problems.map((p) => ({
    severity: "error",
    code: p.startsWith("duplicate version")
      ? "DUPLICATE_VERSION"
      : p.includes("no matching .up.sql")
      ? "ORPHAN_DOWN"
      : "BAD_NAME",
    message: p,
    file: p.startsWith("duplicate version") ? shownDir : `${shownDir}/${p.slice(0, p.indexOf(":"))}`,
    line: null,
    column: null,
  }));
  const defaults = { statementLockTimeoutMs: 0, statementTimeoutMs: 0 };
  for (const m of migrations) {
    const up = `${shownDir}/${m.version}_${m.name}.up.sql`;
    if (!m.downPath) {
      issues.push({
        severity: "warning",
        code: "MISSING_DOWN",
        message: `${up} has no .down.sql: it cannot be rolled back`,
        file: up,
        line: null,
        column: null,
      });
    }
    for (
      const [path, shown] of [[m.upPath, up], [m.downPath, `${shownDir}/${m.version}_${m.name}.down.sql`]] as const
    ) {
      if (!path) continue;
      try {
        await prepareScript(await readText(path), shown, defaults);
      } catch (e) {
        if (!(e instanceof ConfitureError)) throw e;
        issues.push({
          severity: "error",
          code: e.code,
          message: e.message,
          file: e.file ?? shown,
          line: e.line ?? null,
          column: e.column ?? null,
        });
      }
    }
  }
  return { ok: !issues.some((i) => i.severity === "error"), migrations: migrations.length, issues };
}
