/**
 * `migrate drift`: compare a live database's catalog with what its applied migrations should
 * have produced (the chain up to the last applied version, replayed on a scratch database) and
 * report what was changed by hand. Confiture's own objects (tracking table, its journal,
 * `confiture*` schemas and tables) are never compared.
 *
 * @module
 */
import { count } from "../plural.ts";
import { extensionsCreatedByMigrations } from "../build/extensions.ts";
import { type CatalogDifference, diffCatalogs } from "../catalog/diff.ts";
import { snapshotCatalog } from "../catalog/snapshot.ts";
import type { TableName } from "../config/environment.ts";
import type { Database } from "../db/database.ts";
import type { DatabaseTarget } from "../db/url.ts";
import { type EventSink, silent } from "../events.ts";
import { openScratchDatabase } from "../lint/scratch_database.ts";
import { Migrator } from "../migrate/migrator.ts";

/** Options for {@link detectDrift}. */
export interface DriftOptions {
  migrationsDir: string;
  projectDir: string;
  trackingTable: TableName;
  /** Replay on a scratch database of this server instead of PGlite. */
  against?: DatabaseTarget;
  onEvent?: EventSink;
}

/** Result of {@link detectDrift}. */
export interface DriftResult {
  ok: boolean;
  /** Where the chain was replayed. */
  engine: string;
  /** The last applied version, or null when nothing is applied. */
  version: string | null;
  applied: number;
  /** `missing`: the migrations create it, the database lacks it (dropped by hand); `extra`: added by hand. */
  differences: CatalogDifference[];
}

/**
 * Compare `live` with its applied migrations replayed from scratch.
 *
 * @example
 * ```ts
 * import { detectDrift } from "./drift.ts";
 * import { formatCatalogDiff } from "../catalog/diff.ts";
 * import type { Database } from "../db/database.ts";
 * declare const db: Database;
 *
 * const r = await detectDrift(db, { migrationsDir: "db/migrations", projectDir: ".", trackingTable: { name: "tb_confiture" } });
 * if (!r.ok) console.log(formatCatalogDiff(r.differences, { expected: "migrations", actual: "database" }));
 * ```
 */
export async function detectDrift(live: Database, options: DriftOptions): Promise<DriftResult> {
  const emit = options.onEvent ?? silent;
  const t = options.trackingTable;
  const q = (n: string) => (t.schema ? `${t.schema}.${n}` : n);
  const exclude = { excludeTables: [q(t.name), q(`${t.name}_progress`)] };
  const settings = { migrationsDir: options.migrationsDir, projectDir: options.projectDir, trackingTable: t };
  const status = await Migrator.fromDatabase(live, settings).status();
  const applied = status.migrations.filter((m) => m.status === "applied" || m.status === "missing");
  const version = applied.at(-1)?.version ?? null;
  const actual = await snapshotCatalog(live, exclude);
  // PGlite loads only the contrib extensions asked for: those the chain creates.
  const extensions = options.against ? [] : await extensionsCreatedByMigrations(options.migrationsDir);
  await using scratch = await openScratchDatabase(options.against, { extensions });
  const replay = Migrator.fromDatabase(scratch.db, { ...settings, statementLockTimeoutMs: 0, lockRetries: 0 });
  emit({ type: "info", message: `Replaying ${count(applied.length, "applied migration")} into ${scratch.label}…` });
  if (version !== null) await replay.up({ target: version, allowOutOfOrder: true, lint: false });
  const expected = await snapshotCatalog(scratch.db, exclude);
  const differences = diffCatalogs(expected, actual);
  return {
    ok: differences.length === 0,
    engine: scratch.label.replace(/ \(scratch\)$/, ""),
    version,
    applied: applied.length,
    differences,
  };
}
