/**
 * `migrate diff NAME`: the library entry. Build `db/schema/` into one scratch database (the
 * desired state), replay the migration chain into another (the current state), plan the
 * difference, prove the new migrations on the replayed chain, and only then write them.
 *
 * @module
 */
import { applySchemaBuild } from "../build/apply.ts";
import { buildSchema } from "../build/build.ts";
import { extensionsCreatedBy, extensionsCreatedByMigrations } from "../build/extensions.ts";
import { snapshotCatalog } from "../catalog/snapshot.ts";
import type { Environment } from "../config/environment.ts";
import type { Database } from "../db/database.ts";
import { parseDatabaseUrl } from "../db/url.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { openScratchDatabase } from "../lint/scratch_database.ts";
import { nextVersion, validateMigrationName } from "../migrate/generate.ts";
import { Migrator } from "../migrate/migrator.ts";
import { getEnv } from "../platform/env.ts";
import { pathExists, writeText } from "../platform/fs.ts";
import { relative } from "../platform/path.ts";
import { readPlanFacts } from "./facts.ts";
import { planDiff, renderMigrations } from "./plan.ts";
import { type ProofResult, proveMigrations } from "./prove.ts";
import type { Hazard, HazardKind, PlanInput, RenameHint, Stage, Unsupported } from "./types.ts";
import { count } from "../plural.ts";

/** Options for {@link migrateDiff}. */
export interface MigrateDiffOptions {
  /** snake_case name of the (main) migration. */
  name: string;
  /** A server URL on which to create the scratch databases instead of using PGlite. */
  against?: string;
  allowHazards?: readonly HazardKind[];
  renames?: readonly string[];
  /** Prove, but write nothing. */
  dryRun?: boolean;
  /** Plan only: report whether a migration would be written. */
  check?: boolean;
  onEvent?: EventSink;
}

/** What happened. */
export type DiffStatus =
  | "no-changes"
  | "written"
  | "dry-run"
  | "check"
  | "hazards"
  | "unsupported"
  | "proof-failed";

/** One migration of the diff. */
export interface DiffMigration {
  version: string;
  name: string;
  stage: Stage;
  up_file: string;
  down_file: string;
  up: string;
  down: string;
}

/** Result of {@link migrateDiff}. */
export interface MigrateDiffResult {
  /** True for no-changes, written and dry-run. */
  ok: boolean;
  status: DiffStatus;
  engine: string;
  migrations: DiffMigration[];
  statements: { migration: string; direction: "up" | "down"; object: string; action: string; sql: string }[];
  hazards: Hazard[];
  unsupported: Unsupported[];
  rename_hints: RenameHint[];
  proof: ProofResult | null;
}

/**
 * Plan, prove and write the migrations that bring the chain to `db/schema/`.
 *
 * @example
 * ```ts
 * import { migrateDiff } from "./migrate_diff.ts";
 * import type { Environment } from "../config/environment.ts";
 * declare const env: Environment;
 *
 * const r = await migrateDiff(env, { name: "add_avatar_url" });
 * r.status; // "written"
 * r.migrations.map((m) => m.up_file); // ["db/migrations/006_add_avatar_url.up.sql"]
 * ```
 */
export async function migrateDiff(env: Environment, options: MigrateDiffOptions): Promise<MigrateDiffResult> {
  validateMigrationName(options.name);
  const emit = options.onEvent ?? silent;
  const target = options.against ? parseDatabaseUrl(options.against, getEnv) : undefined;
  if (target && target.kind !== "server") throw new UsageError("--against needs a postgres:// server URL");
  const build = await buildSchema(env);
  const tracking = env.migration.trackingTable;
  const q = (n: string) => (tracking.schema ? `${tracking.schema}.${n}` : n);
  const exclude = { excludeTables: [q(tracking.name), q(`${tracking.name}_progress`)] };
  const read = async (db: Database): Promise<PlanInput> => {
    const catalog = await snapshotCatalog(db, exclude);
    return { catalog, facts: await readPlanFacts(db, catalog) };
  };

  let engine = "pglite";
  // PGlite loads only the contrib extensions asked for: those the DDL and the chain create.
  const extensions = target ? undefined : {
    extensions: [...extensionsCreatedBy(build.text), ...await extensionsCreatedByMigrations(env.migrationsDir)],
  };
  // One scratch database at a time: an embedded instance costs about 1 GB while open.
  const desired = await (async () => {
    await using scratch = await openScratchDatabase(target, extensions);
    engine = scratch.label.replace(/ \(scratch\)$/, "");
    emit({ type: "info", message: `Building ${build.files.length} schema files into ${scratch.label}…` });
    await applySchemaBuild(scratch.db, build);
    return await read(scratch.db);
  })();

  await using scratch = await openScratchDatabase(target, extensions);
  const runner = Migrator.fromDatabase(scratch.db, {
    migrationsDir: env.migrationsDir,
    projectDir: env.projectDir,
    trackingTable: tracking,
  });
  const chain = await runner.files();
  if (chain.some((f) => f.name === options.name)) {
    throw new ConfigError(`A migration named "${options.name}" already exists`, { hint: "Choose another NAME" });
  }
  emit({ type: "info", message: `Replaying ${count(chain.length, "migration")} into ${scratch.label}…` });
  await runner.up({ allowOutOfOrder: true, lint: false });
  const current = await read(scratch.db);

  const plan = planDiff(current, desired, { allowHazards: options.allowHazards, renames: options.renames });
  const rendered = renderMigrations(plan.changes, options.name);
  const versions = chain.map((f) => f.version);
  const shownDir = relative(env.projectDir, env.migrationsDir);
  const migrations: DiffMigration[] = rendered.map((m) => {
    const version = nextVersion(versions);
    versions.push(version);
    const stem = `${shownDir.startsWith("..") ? env.migrationsDir : shownDir}/${version}_${m.name}`;
    return {
      version,
      name: m.name,
      stage: m.stage,
      up_file: `${stem}.up.sql`,
      down_file: `${stem}.down.sql`,
      up: m.up,
      down: m.down,
    };
  });
  const statements: MigrateDiffResult["statements"] = [];
  for (const m of migrations) {
    const mine = plan.changes.filter((c) => c.stage === m.stage);
    const id = `${m.version}_${m.name}`;
    for (const c of mine) {
      for (const sql of c.up) {
        statements.push({ migration: id, direction: "up", object: c.object, action: c.action, sql });
      }
    }
    for (const c of [...mine].reverse()) {
      for (const sql of c.down) {
        statements.push({ migration: id, direction: "down", object: c.object, action: c.action, sql });
      }
    }
  }
  const result: MigrateDiffResult = {
    ok: false,
    status: "no-changes",
    engine,
    migrations,
    statements,
    hazards: plan.hazards,
    unsupported: plan.unsupported,
    rename_hints: plan.renameHints,
    proof: null,
  };
  if (plan.changes.length === 0 && plan.unsupported.length === 0) return { ...result, ok: true };
  if (plan.unsupported.length > 0) return { ...result, status: "unsupported" };
  if (plan.hazards.some((h) => !h.allowed)) return { ...result, status: "hazards" };
  if (options.check) return { ...result, status: "check" };

  emit({ type: "info", message: `Proving ${count(migrations.length, "new migration")} on the replayed chain…` });
  result.proof = await proveMigrations(scratch.db, migrations, {
    chain,
    trackingTable: tracking,
    statementLockTimeoutMs: env.migration.statementLockTimeoutMs,
    desired: desired.catalog,
    current: current.catalog,
  });
  if (!result.proof.ok) return { ...result, status: "proof-failed" };
  if (options.dryRun) return { ...result, ok: true, status: "dry-run" };
  for (const m of migrations) {
    const up = `${env.migrationsDir}/${m.version}_${m.name}.up.sql`;
    if (await pathExists(up)) throw new ConfigError(`${m.up_file} already exists`);
  }
  for (const m of migrations) {
    await writeText(`${env.migrationsDir}/${m.version}_${m.name}.up.sql`, m.up, { createNew: true });
    await writeText(`${env.migrationsDir}/${m.version}_${m.name}.down.sql`, m.down, { createNew: true });
  }
  return { ...result, ok: true, status: "written" };
}
