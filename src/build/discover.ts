/**
 * Find the schema files of an environment: every `.sql` file under the include folders,
 * recursively, minus the exclude globs, de-duplicated and in build order.
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { listDir } from "../platform/fs.ts";
import { relative } from "../platform/path.ts";
import { compileGlob } from "./glob.ts";
import { compareSchemaPaths } from "./order.ts";

/** One schema file found on disk. */
export interface SchemaFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the project root (`db/schema/10_tables/tb_user.sql`): shown, hashed, ordered. */
  relativePath: string;
}

/** What to look for. */
export interface DiscoverOptions {
  /** Absolute folders to search. */
  includeDirs: readonly string[];
  /** Globs matched against the path relative to the project and relative to its include folder. */
  exclude?: readonly string[];
  projectDir: string;
  /** Accept no files at all (seeds); otherwise an empty result is a SchemaError (exit 4). */
  allowEmpty?: boolean;
}

/**
 * Discover schema files in build order.
 *
 * @example
 * ```ts
 * const files = await discoverSchemaFiles({ includeDirs: ["/app/db/schema"], projectDir: "/app" });
 * files[0].relativePath; // "db/schema/00_common/extensions.sql"
 * ```
 */
export async function discoverSchemaFiles(options: DiscoverOptions): Promise<SchemaFile[]> {
  const matchers = (options.exclude ?? []).map(compileGlob);
  const excluded = (rel: string, inInclude: string) => matchers.some((m) => m(rel) || m(inInclude));
  const found = new Map<string, SchemaFile>();
  for (const dir of options.includeDirs) {
    for (const path of await walk(dir)) {
      const relativePath = relative(options.projectDir, path);
      if (found.has(path) || excluded(relativePath, relative(dir, path))) continue;
      found.set(path, { path, relativePath });
    }
  }
  const files = [...found.values()].sort((a, b) => compareSchemaPaths(a.relativePath, b.relativePath));
  if (files.length === 0 && !options.allowEmpty) {
    const shown = options.includeDirs.map((d) => relative(options.projectDir, d)).join(", ");
    throw new SchemaError(`No .sql files found in ${shown || "(no include_dirs)"}`, {
      code: "SCHEMA_NO_FILES",
      hint: "Put DDL files under db/schema/ (e.g. db/schema/10_tables/tb_user.sql) or set include_dirs",
    });
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await listDir(dir);
  if (!entries) return [];
  const out: string[] = [];
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await walk(path));
    else if (e.isFile && e.name.toLowerCase().endsWith(".sql")) out.push(path);
  }
  return out;
}
