/**
 * Build from DDL: assemble `db/schema/` into one script, apply it in one transaction (errors
 * mapped to source files), seed, and check the DDL against the migrations.
 *
 * @example
 * ```ts
 * import { applySchemaBuild, applySeeds, buildSchema, checkSchema, discoverSeeds } from "./mod.ts";
 * import { loadEnvironment } from "../config/load.ts";
 * import { openDatabase } from "../db/open.ts";
 * import { discoverMigrations } from "../migrate/files.ts";
 *
 * const env = await loadEnvironment({ env: "local" });
 * const build = await buildSchema(env);
 * await using db = await openDatabase(env.target);
 * await applySchemaBuild(db, build, { migrations: await discoverMigrations(env.migrationsDir) });
 * await applySeeds(db, await discoverSeeds(env));
 * const drift = await checkSchema(env);
 * ```
 *
 * @module
 */
export { applyBuild, type ApplyBuildOptions, type ApplyBuildReport, assertFreshAllowed } from "./apply_build.ts";
export { type ApplicableBuild, type ApplyOptions, type ApplyResult, applySchemaBuild } from "./apply.ts";
export { applySeeds, type SeedFile, splitCopyBlocks } from "./apply_seeds.ts";
export { type AssembledSchema, assembleSchema, schemaHash, type Segment } from "./assemble.ts";
export { buildSchema, checkSchemaBuild, defaultOutputPath, type SchemaBuild, writeSchemaBuild } from "./build.ts";
export { checkSchema, type CheckSchemaOptions, type CheckSchemaResult } from "./check_schema.ts";
export { type DiscoverOptions, discoverSchemaFiles, type SchemaFile } from "./discover.ts";
export { recreateDatabase } from "./fresh.ts";
export { compareSchemaPaths } from "./order.ts";
export { discoverSeeds } from "./seeds.ts";
export { scaffoldProject, type ScaffoldResult } from "./scaffold.ts";
