/**
 * Migration files: `{version}_{name}.up.sql` and `.down.sql` in one flat folder. The version is
 * the leading digits, any width, ordered numerically.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { listDir, readTextSync } from "../platform/fs.ts";

/** One migration: an up file and, when reversible, its down file. */
export interface MigrationFile {
  /** Version text as written in the file name (`001`, `20260115103000`). */
  version: string;
  name: string;
  /** Absolute path of the `.up.sql` file. */
  upPath: string;
  /** Absolute path of the `.down.sql` file, if present. */
  downPath?: string;
}

/** What a file name says about itself. */
export type ParsedName =
  | { kind: "migration"; version: string; name: string; direction: "up" | "down" }
  | { kind: "invalid"; reason: string }
  | { kind: "ignored" };

const MIGRATION = /^(\d+)_([A-Za-z0-9][A-Za-z0-9_-]*)\.(up|down)\.sql$/;

/**
 * Classify a file name found in the migrations folder.
 *
 * @example
 * ```ts
 * parseMigrationFileName("003_create_tb_comment.up.sql");
 * // { kind: "migration", version: "003", name: "create_tb_comment", direction: "up" }
 * ```
 */
export function parseMigrationFileName(fileName: string): ParsedName {
  const m = MIGRATION.exec(fileName);
  if (m) return { kind: "migration", version: m[1], name: m[2], direction: m[3] as "up" | "down" };
  if (!fileName.toLowerCase().endsWith(".sql")) return { kind: "ignored" };
  if (/^\d+_.+\.sql$/i.test(fileName) && !/\.(up|down)\.sql$/i.test(fileName)) {
    return { kind: "invalid", reason: "missing .up.sql or .down.sql suffix" };
  }
  if (!/^\d/.test(fileName)) return { kind: "invalid", reason: "name must start with a version number" };
  return { kind: "invalid", reason: "expected {version}_{name}.up.sql or {version}_{name}.down.sql" };
}

/** Compare two version strings numerically (`2` < `10`, `001` == `1`). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A key under which equal versions meet (`001` and `1` are the same version); versions written
 * by other tools that are not numeric keep their text.
 */
export function versionKey(v: string): string {
  return /^\d+$/.test(v) ? v.replace(/^0+(?=\d)/, "") : v;
}

/** Whether a string is a version (digits only). */
export function isVersion(v: string): boolean {
  return /^\d+$/.test(v);
}

/**
 * Pair up and order migration files from a list of names (pure). Returns every problem found:
 * invalid names, duplicate versions, down files without their up file.
 */
export function collectMigrations(dir: string, fileNames: readonly string[]): {
  migrations: MigrationFile[];
  problems: string[];
} {
  const problems: string[] = [];
  const ups = new Map<string, { version: string; name: string; file: string }[]>();
  const downs = new Map<string, string>();
  for (const file of [...fileNames].sort()) {
    const parsed = parseMigrationFileName(file);
    if (parsed.kind === "ignored") continue;
    if (parsed.kind === "invalid") {
      problems.push(`${file}: ${parsed.reason}`);
      continue;
    }
    const key = BigInt(parsed.version).toString();
    if (parsed.direction === "up") {
      const list = ups.get(key) ?? [];
      list.push({ version: parsed.version, name: parsed.name, file });
      ups.set(key, list);
    } else downs.set(`${parsed.version}_${parsed.name}`, file);
  }
  const migrations: MigrationFile[] = [];
  for (const list of ups.values()) {
    if (list.length > 1) {
      problems.push(`duplicate version ${list[0].version}: ${list.map((u) => u.file).join(", ")}`);
      continue;
    }
    const [u] = list;
    const stem = `${u.version}_${u.name}`;
    const down = downs.get(stem);
    downs.delete(stem);
    migrations.push({
      version: u.version,
      name: u.name,
      upPath: `${dir}/${u.file}`,
      downPath: down ? `${dir}/${down}` : undefined,
    });
  }
  for (const down of downs.values()) problems.push(`${down}: no matching .up.sql file`);
  migrations.sort((a, b) => compareVersions(a.version, b.version));
  return { migrations, problems };
}

/**
 * Read the migrations folder. A missing folder means no migrations; any naming problem throws
 * one ConfigError (exit 5) listing every problem.
 */
export async function discoverMigrations(dir: string, shownDir = dir): Promise<MigrationFile[]> {
  const entries = await listDir(dir);
  if (!entries) return [];
  const { migrations, problems } = collectMigrations(dir, entries.filter((e) => e.isFile).map((e) => e.name));
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1
        ? `${shownDir}/${problems[0]}`
        : `${problems.length} problems in ${shownDir}:\n  ${problems.join("\n  ")}`,
      { code: "MIGRATION_FILES_INVALID", file: shownDir, problems },
    );
  }
  return migrations;
}

/** The file name of a path. */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The texts of one operation's migration files, each read once: `migrate up` needs every pending
 * file for parsing, linting and checksums. Reads are synchronous: migration files are small, and
 * 400 of them read in 5–8 ms this way against 16–31 ms as concurrent async reads.
 */
export class MigrationTexts {
  readonly #texts = new Map<string, string>();

  /** The file's text, read on first use. */
  text(path: string): string {
    let text = this.#texts.get(path);
    if (text === undefined) {
      text = readTextSync(path);
      this.#texts.set(path, text);
    }
    return text;
  }
}
