/**
 * `migrate adopt`: take over a database another tool migrated. The versions that tool records
 * as applied are matched to the files in the migrations folder by version (names may differ;
 * sqitch, which has no versions, by name) and recorded in Confiture's tracking table with the
 * files' checksums, in one transaction under the migration lock. Nothing is run.
 *
 * @module
 */
import type { Database, Queryable } from "../db/database.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import {
  ADOPT_SOURCES,
  type AdoptSource,
  type DetectedSource,
  detectSources,
  type ForeignHistory,
  readHistory,
} from "./adopt_sources.ts";
import { migrationChecksum } from "./checksum.ts";
import { compareVersions, isVersion, type MigrationFile, MigrationTexts, versionKey } from "./files.ts";
import { withMigrationLock } from "./lock.ts";
import type { TrackingTable } from "./tracking_table.ts";

export { ADOPT_SOURCES, type AdoptSource };

/** A file matched to another tool's record. */
export interface AdoptedMigration {
  version: string;
  name: string;
  /** The version (sqitch: the change) as the other tool recorded it. */
  recorded_as: string;
}

/** What adopting does, or would do with `dryRun`. */
export interface AdoptPlan {
  /** Files recorded as applied now. */
  adopted: AdoptedMigration[];
  /** Files the tracking table already had. */
  already_recorded: string[];
  /** Versions the other tool records that no file in the folder has. */
  missing_files: { version: string; name: string | null }[];
  /** Files before the last adopted one that the other tool does not record as applied. */
  not_applied_between: { version: string; name: string }[];
  /** Files after the last adopted one: what `migrate up` applies next. */
  pending: string[];
}

/** The result of {@link adoptMigrations}. */
export interface AdoptResult extends AdoptPlan {
  ok: true;
  from: AdoptSource;
  /** `schema.table` the history was read from. */
  source_table: string;
  tracking_table: string;
  dry_run: boolean;
}

/**
 * Decide which files the history covers (pure). `recorded` holds the version keys the
 * tracking table already has.
 */
export function planAdoption(
  files: readonly MigrationFile[],
  history: ForeignHistory,
  recorded: ReadonlySet<string>,
): AdoptPlan {
  const byKey = new Map(files.map((f) => [history.byName ? f.name : versionKey(f.version), f]));
  const matched = new Map<MigrationFile, string>();
  const missing: { version: string; name: string | null }[] = [];
  for (const e of history.applied) {
    const file = byKey.get(history.byName ? e.version : isVersion(e.version) ? versionKey(e.version) : e.version);
    if (file) matched.set(file, e.version);
    else missing.push(e);
  }
  if (history.through !== null && isVersion(history.through)) {
    for (const f of files) {
      if (!matched.has(f) && compareVersions(f.version, history.through) <= 0) matched.set(f, f.version);
    }
  }
  const last = files.reduce<MigrationFile | undefined>((m, f) => (matched.has(f) ? f : m), undefined);
  const lastIndex = last ? files.indexOf(last) : -1;
  const plan: AdoptPlan = {
    adopted: [],
    already_recorded: [],
    missing_files: missing,
    not_applied_between: [],
    pending: [],
  };
  files.forEach((f, i) => {
    const as = matched.get(f);
    if (as !== undefined) {
      if (recorded.has(versionKey(f.version))) plan.already_recorded.push(f.version);
      else plan.adopted.push({ version: f.version, name: f.name, recorded_as: as });
    } else if (i < lastIndex) plan.not_applied_between.push({ version: f.version, name: f.name });
    else plan.pending.push(f.version);
  });
  return plan;
}

/** Options for {@link adoptMigrations}. */
export interface AdoptOptions {
  /** The tool to read; detected when only one is present. */
  from?: AdoptSource;
  dryRun?: boolean;
  /** How long to wait for the migration lock, in ms. */
  lockTimeoutMs: number;
  onEvent?: EventSink;
}

/** What {@link adoptMigrations} needs of a Migrator. */
export interface AdoptTarget {
  database: Database;
  tracking: TrackingTable;
  files(): Promise<MigrationFile[]>;
}

/**
 * Record another tool's applied migrations in the tracking table. Refuses (exit 5) when no
 * tool's table is found, or several are and `from` does not choose; refuses (exit 1) a dirty
 * or failed history with the fix to run.
 */
export async function adoptMigrations(m: AdoptTarget, options: AdoptOptions): Promise<AdoptResult> {
  const files = await m.files();
  const db = m.database;
  const source = await chooseSource(db, m.tracking.sqlName, options.from);
  const run = async (q: Queryable, dryRun: boolean): Promise<AdoptResult> => {
    const history = await readHistory(q, source);
    const where = await m.tracking.locate(q);
    const applied = where.exists ? await m.tracking.applied(q, where.optionalColumns) : [];
    const plan = planAdoption(files, history, new Set(applied.map((a) => versionKey(a.version))));
    if (!dryRun) {
      const texts = new MigrationTexts();
      const byVersion = new Map(files.map((f) => [f.version, f]));
      const rows = plan.adopted.map((a) => {
        const f = byVersion.get(a.version)!;
        return m.tracking.recordSql({
          version: f.version,
          name: f.name,
          slugSuffix: "adopt",
          executionTimeMs: 0,
          checksum: migrationChecksum(texts.text(f.upPath)),
          downChecksum: f.downPath ? migrationChecksum(texts.text(f.downPath)) : null,
        });
      });
      // The table, its new columns and every row commit together or not at all.
      await q.exec("BEGIN");
      try {
        await m.tracking.ensure(q);
        if (rows.length > 0) await q.exec(rows.join(";\n"));
        await q.exec("COMMIT");
      } catch (e) {
        await q.exec("ROLLBACK").catch(() => {});
        throw e;
      }
    }
    return {
      ok: true,
      from: source.tool,
      source_table: source.table,
      tracking_table: where.qualified,
      dry_run: dryRun,
      ...plan,
    };
  };
  if (options.dryRun) return await run(db, true);
  const session = await db.reserve();
  try {
    return await withMigrationLock(
      session,
      { timeoutMs: options.lockTimeoutMs, onEvent: options.onEvent ?? silent },
      () => run(session, false),
    );
  } finally {
    await session.release();
  }
}

async function chooseSource(db: Queryable, ownTable: string, from: AdoptSource | undefined): Promise<DetectedSource> {
  const found = await detectSources(db, ownTable);
  const list = found.map((s) => `${s.tool} (${s.table})`).join(", ");
  if (from) {
    const hit = found.find((s) => s.tool === from);
    if (hit) return hit;
    throw new ConfigError(`No ${from} history table in this database${found.length ? `; found ${list}` : ""}`, {
      code: "ADOPT_NOT_FOUND",
      hint: found.length ? `pass --from ${found[0].tool}` : `looked for ${ADOPT_SOURCES.join(", ")}`,
    });
  }
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new ConfigError("No other migration tool's history table in this database: nothing to adopt", {
      code: "ADOPT_NOT_FOUND",
      hint: "looked for schema_migrations (golang-migrate, dbmate), goose_db_version, flyway_schema_history, " +
        "sqitch.changes and a tb_confiture written by the Python Confiture",
    });
  }
  throw new UsageError(`Several migration tools' history tables are here: ${list}`, {
    hint: `choose one with --from ${found.map((s) => s.tool).join("|")}`,
  });
}
