/**
 * `migrate check-schema`: prove that the DDL in `db/schema/` and the migrations describe the
 * same database. Build the DDL into one scratch database, replay every migration into another,
 * and compare their catalogs.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import { quoteIdent } from "../db/quote.ts";
import { parseDatabaseUrl, type ServerTarget } from "../db/url.ts";
import { ConfigError, SchemaError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { Migrator } from "../migrate/migrator.ts";
import { type CatalogDifference, diffCatalogs } from "../catalog/diff.ts";
import { type CatalogSnapshot, snapshotCatalog } from "../catalog/snapshot.ts";
import { getEnv } from "../platform/env.ts";
import { applySchemaBuild } from "./apply.ts";
import { buildSchema } from "./build.ts";
import { adminExec } from "./fresh.ts";
import { extensionsCreatedBy, extensionsCreatedByMigrations } from "./extensions.ts";
import { count } from "../plural.ts";

/** Options for {@link checkSchema}. */
export interface CheckSchemaOptions {
  /** A server URL on which to create (and drop) two scratch databases instead of using PGlite. */
  against?: string;
  /** Also report columns whose position differs (ADD COLUMN appends, so off by default). */
  columnOrder?: boolean;
  onEvent?: EventSink;
}

/** The outcome: `ok` when the two catalogs match. */
export interface CheckSchemaResult {
  ok: boolean;
  /** `pglite` or the redacted server label. */
  engine: string;
  schemaFiles: number;
  migrations: number;
  /** `missing`: only in the DDL build; `extra`: only after the migrations. */
  differences: CatalogDifference[];
}

/**
 * Compare the environment's DDL build with its migrations replayed from scratch.
 *
 * @example
 * ```ts
 * import { checkSchema } from "./check_schema.ts";
 * import { loadEnvironment } from "../config/load.ts";
 * import { formatCatalogDiff } from "../catalog/diff.ts";
 *
 * const r = await checkSchema(await loadEnvironment({ env: "local" }));
 * if (!r.ok) console.log(formatCatalogDiff(r.differences, { expected: "db/schema", actual: "migrations" }));
 * ```
 */
export async function checkSchema(env: Environment, options: CheckSchemaOptions = {}): Promise<CheckSchemaResult> {
  const emit = options.onEvent ?? silent;
  const build = await buildSchema(env);
  const tracking = env.migration.trackingTable;
  // Confiture's own tables (the tracking table and its progress journal) are never drift.
  const own = (name: string) => tracking.schema ? `${tracking.schema}.${name}` : name;
  const exclude = { excludeTables: [own(tracking.name), own(`${tracking.name}_progress`)] };
  const scratch = options.against
    ? serverScratch(options.against)
    : pgliteScratch([...extensionsCreatedBy(build.text), ...await extensionsCreatedByMigrations(env.migrationsDir)]);

  let migrations = 0;
  const fromDdl = await scratch.use("ddl", async (db) => {
    emit({ type: "info", message: `Building ${build.files.length} schema files into a scratch database…` });
    try {
      // With the tracking table, as migrations leave it: its schema is then on both sides.
      await applySchemaBuild(db, build, { migrations: [], trackingTable: tracking });
    } catch (e) {
      throw options.against ? e : withExtensionHint(e);
    }
    return await snapshotCatalog(db, exclude);
  });
  const fromMigrations = await scratch.use("migrations", async (db) => {
    const migrator = Migrator.fromDatabase(db, {
      migrationsDir: env.migrationsDir,
      projectDir: env.projectDir,
      trackingTable: tracking,
    });
    const files = await migrator.files();
    migrations = files.length;
    emit({ type: "info", message: `Replaying ${count(files.length, "migration")} into a scratch database…` });
    await migrator.up({ allowOutOfOrder: true, lint: false });
    return await snapshotCatalog(db, exclude);
  });
  const differences = diffCatalogs(fromDdl, fromMigrations, { columnOrder: options.columnOrder });
  return {
    ok: differences.length === 0,
    engine: scratch.engine,
    schemaFiles: build.files.length,
    migrations,
    differences,
  };
}

// PGlite ships few extensions; a DDL that needs one can still be checked on a server.
function withExtensionHint(e: unknown): unknown {
  if (!(e instanceof SchemaError) || e.hint || !/extension/i.test(e.message)) return e;
  return new SchemaError(e.message, {
    code: e.code,
    file: e.file,
    line: e.line,
    column: e.column,
    detail: e.detail,
    hint: "The embedded engine lacks this extension: run `confiture migrate check-schema --against postgres://…`",
    details: e.details,
    cause: e,
  });
}

interface Scratch {
  engine: string;
  use(role: string, fn: (db: Database) => Promise<CatalogSnapshot>): Promise<CatalogSnapshot>;
}

// One embedded instance at a time: each costs about 1 GB while open.
function pgliteScratch(extensions: readonly string[]): Scratch {
  return {
    engine: "pglite",
    async use(_role, fn) {
      const db = await openDatabase({ kind: "pglite" }, { extensions });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
  };
}

function serverScratch(url: string): Scratch {
  const target = parseDatabaseUrl(url, getEnv);
  if (target.kind !== "server") {
    throw new ConfigError(`--against needs a postgres:// server URL, got a PGlite target`);
  }
  const server: ServerTarget = target;
  const run = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  return {
    engine: `${server.host}:${server.port}`,
    async use(role, fn) {
      const name = `confiture_check_${run}_${role === "ddl" ? "ddl" : "mig"}`;
      const admin = await openDatabase(server, { max: 1 });
      try {
        await adminExec(admin, `CREATE DATABASE ${quoteIdent(name)}`, `create scratch database "${name}"`);
      } finally {
        await admin.close();
      }
      try {
        const db = await openDatabase({ ...server, database: name }, { max: 2 });
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      } finally {
        const dropper = await openDatabase(server, { max: 1 });
        try {
          await adminExec(
            dropper,
            `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`,
            `drop scratch database "${name}"`,
          );
        } finally {
          await dropper.close();
        }
      }
    },
  };
}
