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
export * from "./load_mapping.ts";
export * from "./schema_to_schema.ts";
