/**
 * The build medium's library entry: `build --apply` as one call. It owns the workflow (the
 * fresh guard, recreate, migrations to record, opening the database with the extensions the
 * schema creates, one-transaction apply, seeds) so a library caller gets the same guards as
 * the CLI, which only asks its questions before calling.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { openDatabase } from "../db/open.ts";
import { describeTarget } from "../db/url.ts";
import { ConfitureError, ConnectionError, EXIT } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { discoverMigrations } from "../migrate/files.ts";
import { applySchemaBuild } from "./apply.ts";
import { applySeeds } from "./apply_seeds.ts";
import { buildSchema, type SchemaBuild, shownPath } from "./build.ts";
import { extensionsCreatedBy } from "./extensions.ts";
import { recreateDatabase } from "./fresh.ts";
import { discoverSeeds } from "./seeds.ts";

/** Options for {@link applyBuild}. */
export interface ApplyBuildOptions {
  /** The build to apply (default: `buildSchema(env)`). */
  build?: SchemaBuild;
  /** Drop and recreate the database first; refused on a protected environment. */
  fresh?: boolean;
  /** Run the environment's seed files after the schema (default true). */
  seeds?: boolean;
  /** Progress: recreate, apply, lock waits, seeds. */
  onEvent?: EventSink;
  /** Server notices, as they arrive. */
  onNotice?: (message: string) => void;
}

/** What {@link applyBuild} did. */
export interface ApplyBuildReport {
  /** The database's label (credentials removed). */
  database: string;
  fresh: boolean;
  durationMs: number;
  /** Versions recorded as applied, so `migrate up` continues from the built state. */
  migrationsRecorded: string[];
  /** Project-relative paths of the seed files run, in order. */
  seeds: string[];
}

/**
 * Throw ConfitureError `PROTECTED_ENVIRONMENT` (exit 5) when `--fresh` would drop a protected
 * environment's database. {@link applyBuild} checks it; a caller that asks before calling
 * checks it first so it never asks about what will be refused.
 */
export function assertFreshAllowed(env: Environment): void {
  if (!env.protected) return;
  throw new ConfitureError(
    "PROTECTED_ENVIRONMENT",
    EXIT.config,
    `Refusing to drop and recreate ${describeTarget(env.target)}: environment "${env.name}" is protected`,
    { hint: "--fresh is for disposable databases; remove `protected: true` only if this one is" },
  );
}

/**
 * Apply the environment's schema build to its database in one transaction (after dropping and
 * recreating it with `fresh`), record its migrations as applied, then seed. A schema error
 * throws SchemaError (exit 4) and leaves the database as it was.
 *
 * @example
 * ```ts
 * import { applyBuild } from "./apply_build.ts";
 * import { loadEnvironment } from "../config/load.ts";
 *
 * const env = await loadEnvironment({ env: "test" });
 * const report = await applyBuild(env, { fresh: true, seeds: false });
 * report.migrationsRecorded;
 * ```
 */
export async function applyBuild(env: Environment, options: ApplyBuildOptions = {}): Promise<ApplyBuildReport> {
  const emit = options.onEvent ?? silent;
  const build = options.build ?? await buildSchema(env);
  if (options.fresh) {
    assertFreshAllowed(env);
    emit({ type: "info", message: `Recreating ${describeTarget(env.target)}…` });
    await recreateDatabase(env.target);
  }
  const migrations = await discoverMigrations(env.migrationsDir, shownPath(env.migrationsDir, env.projectDir), {
    allowMissing: true, // a project may be built from its schema alone
  });
  // An embedded target loads the contrib extensions the schema creates, and only those.
  await using db = await openDatabase(env.target, {
    onNotice: options.onNotice,
    extensions: extensionsCreatedBy(build.text),
  }).catch((e) => {
    throw missingDatabaseHint(e);
  });
  const applied = await applySchemaBuild(db, build, {
    migrations,
    trackingTable: env.migration.trackingTable,
    lockTimeoutMs: env.migration.lockTimeoutMs,
    onEvent: emit,
  });
  const seeds = options.seeds === false ? [] : await discoverSeeds(env);
  await applySeeds(db, seeds, emit);
  return {
    database: db.label,
    fresh: Boolean(options.fresh),
    durationMs: applied.durationMs,
    migrationsRecorded: applied.migrationsRecorded,
    seeds: seeds.map((s) => s.relativePath),
  };
}

// A build is often the first thing run against a new database: say how to create it.
function missingDatabaseHint(e: unknown): unknown {
  if (!(e instanceof ConnectionError) || e.hint || !/database "[^"]+" does not exist/.test(e.message)) return e;
  return new ConnectionError(e.message, { hint: "Add --fresh to create it (drops it first if it exists)", cause: e });
}
