/**
 * `confiture erd`'s library entry: build `db/schema/` into a scratch database (PGlite, or a
 * temporary database on `against`), read its entity-relationship model and render it.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { applySchemaBuild } from "../build/apply.ts";
import { buildSchema } from "../build/build.ts";
import { parseDatabaseUrl } from "../db/url.ts";
import { ConfigError } from "../errors.ts";
import { openScratchDatabase } from "../lint/scratch_database.ts";
import { getEnv } from "../platform/env.ts";
import { type MermaidOptions, renderMermaidErd } from "./mermaid.ts";
import { type ErdModel, readErdModel } from "./model.ts";

/** Options for {@link drawSchemaErd}. */
export interface DrawErdOptions extends MermaidOptions {
  /** A server URL on which a temporary database is created (and dropped) instead of PGlite. */
  against?: string;
  /** Only these schemas. */
  schemas?: string[];
}

/** The diagram and what it was drawn from. */
export interface ErdResult {
  ok: true;
  /** The `erDiagram` text. */
  mermaid: string;
  schema_files: number;
  tables: number;
  relationships: number;
  model: ErdModel;
}

/**
 * Draw the environment's `db/schema/` as a Mermaid `erDiagram`.
 *
 * @example
 * ```ts
 * import { drawSchemaErd } from "./draw.ts";
 * import { loadEnvironment } from "../config/load.ts";
 *
 * const { mermaid } = await drawSchemaErd(await loadEnvironment({ env: "local" }));
 * ```
 */
export async function drawSchemaErd(env: Environment, options: DrawErdOptions = {}): Promise<ErdResult> {
  const build = await buildSchema(env);
  let target;
  if (options.against) {
    target = parseDatabaseUrl(options.against, getEnv);
    if (target.kind !== "server") throw new ConfigError("--against needs a postgres:// server URL");
  }
  await using scratch = await openScratchDatabase(target);
  await applySchemaBuild(scratch.db, build);
  const tracking = env.migration.trackingTable;
  const model = await readErdModel(scratch.db, {
    schemas: options.schemas,
    excludeTables: [tracking.schema ? `${tracking.schema}.${tracking.name}` : tracking.name],
  });
  return {
    ok: true,
    mermaid: renderMermaidErd(model, options),
    schema_files: build.files.length,
    tables: model.entities.length,
    relationships: model.relationships.length,
    model,
  };
}
