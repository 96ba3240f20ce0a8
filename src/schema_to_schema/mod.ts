/**
 * Schema-to-schema: rebuild large tables in a new database (or schema) from a live one, then
 * cut over. Phases: setup (postgres_fdw), analyze, migrate (batched, resumable), catch-up
 * (changed rows), verify (chunked checksums), cleanup.
 *
 * @example
 * ```ts
 * import { loadMappingFile, type MigrateOptions, migrateTable, planTables } from "./mod.ts";
 * import type { Database } from "../db/database.ts";
 * declare const source: Database, target: Database, options: MigrateOptions;
 *
 * const mapping = await loadMappingFile("db/schema_to_schema.yaml", "db/schema_to_schema.yaml");
 * const plans = await planTables(source, target, mapping, { strategy: "copy" });
 * for (const plan of plans) await migrateTable({ source, target }, plan, options);
 * ```
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { readTextIfExists } from "../platform/fs.ts";
import { type MappingFile, parseMappingFile } from "./mapping.ts";

export * from "./mapping.ts";
export * from "./plan.ts";
export * from "./fdw.ts";
export * from "./checkpoint.ts";
export * from "./batches.ts";
export * from "./ends.ts";
export * from "./restart.ts";
export * from "./where.ts";
export * from "./migrate_table.ts";
export * from "./migrate_tables.ts";
export * from "./interrupted.ts";
export * from "./target_lock.ts";
export * from "./catch_up.ts";
export * from "./verify.ts";
export * from "./analyze.ts";
export * from "./sequences.ts";

/** Read and validate a mapping file; a missing file is a ConfigError naming it. */
export async function loadMappingFile(path: string, shownPath: string): Promise<MappingFile> {
  const text = await readTextIfExists(path);
  if (text === undefined) {
    throw new ConfigError(`Mapping file not found: ${shownPath}`, {
      code: "CONFIG_NOT_FOUND",
      file: shownPath,
      hint: "write one (see README, schema-to-schema) or pass --mapping",
    });
  }
  return parseMappingFile(text, shownPath);
}
