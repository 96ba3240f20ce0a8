/**
 * Prove each migration's down undoes its up: on a scratch database, for each migration in
 * order, snapshot the catalog, apply up, apply down, compare with the snapshot, apply up again.
 *
 * @module
 */
import { qualifiedKey } from "../db/qualified_name.ts";
import type { Database } from "../db/database.ts";
import { type CatalogDifference, diffCatalogs, formatCatalogDiff } from "../catalog/diff.ts";
import { snapshotCatalog } from "../catalog/snapshot.ts";
import { type EventSink, silent } from "../events.ts";
import type { TableName } from "../config/environment.ts";
import { DatabaseError } from "../db/errors.ts";
import { ConfitureError } from "../errors.ts";
import { Migrator } from "./migrator.ts";
import { parseSql } from "../lint/parse_sql.ts";
import { runModeOf } from "../lint/run_mode.ts";
import { readText } from "../platform/fs.ts";
import { relative, resolve } from "../platform/path.ts";
import { DEFAULT_TRACKING_TABLE } from "../config/defaults.ts";

/** What happened to one migration. */
export type ReversibilityStatus =
  | "reversible"
  /** The down ran but the schema differs from before the up. */
  | "irreversible"
  /** The up or the down failed, or the up failed when re-applied after a down that restored the schema. */
  | "failed"
  /** No .down.sql: nothing to check (lint reports it as `missing-down`). */
  | "no-down"
  /** An earlier failure left the database in an unknown state. */
  | "not-checked";

/** The check of one migration. */
export interface ReversibilityCheck {
  version: string;
  name: string;
  file: string;
  status: ReversibilityStatus;
  /** Catalog differences between before-up and after-down (expected = before, actual = after down). */
  differences: CatalogDifference[];
  /** The differences as readable text; null when there are none. */
  diff: string | null;
  /** Which step failed, for `failed`. */
  step: "up" | "down" | "up again" | null;
  error: StepFailure | null;
}

/** Why a step failed, pointing into the file that ran. */
export interface StepFailure {
  message: string;
  file: string;
  line: number | null;
  column: number | null;
  sqlstate: string | null;
  detail: string | null;
  hint: string | null;
}

/** Result of {@link verifyReversible}. */
export interface VerifyReversibleResult {
  ok: boolean;
  /** The scratch database used (no password). */
  database: string;
  migrations: ReversibilityCheck[];
  summary: {
    checked: number;
    reversible: number;
    irreversible: number;
    failed: number;
    noDown: number;
    notChecked: number;
  };
}

/** Options for {@link verifyReversible}. */
export interface VerifyReversibleOptions {
  /** The migrations folder. */
  migrationsDir: string;
  /** Paths in results are shown relative to this directory (default: the working directory). */
  projectDir?: string;
  /** Tracking table to use on the scratch database (default `tb_confiture`); never compared. */
  trackingTable?: TableName;
  /** Receives one `progress` event per migration checked. */
  onEvent?: EventSink;
}

/**
 * Replay the migrations of `options.migrationsDir` on `db` (a scratch database: it is changed)
 * with the migration runner itself, and check every down.
 *
 * @example
 * ```ts
 * import { verifyReversible } from "./verify_reversible.ts";
 * import { openScratchDatabase } from "../lint/scratch_database.ts";
 *
 * await using scratch = await openScratchDatabase();
 * const result = await verifyReversible(scratch.db, { migrationsDir: "db/migrations" });
 * result.migrations.filter((m) => m.status === "irreversible"); // downs that leave something behind
 * ```
 */
export async function verifyReversible(
  db: Database,
  options: VerifyReversibleOptions,
): Promise<VerifyReversibleResult> {
  const emit = options.onEvent ?? silent;
  const base = resolve(options.projectDir ?? ".");
  const shown = (p: string) => relative(base, resolve(p));
  const tracking = options.trackingTable ?? { name: DEFAULT_TRACKING_TABLE };
  const qualified = (n: string) => tracking.schema ? qualifiedKey({ schema: tracking.schema, name: n }) : n;
  // The runner's own bookkeeping (tracking table and its progress journal) is not schema.
  const snap = () =>
    snapshotCatalog(db, { excludeTables: [qualified(tracking.name), qualified(`${tracking.name}_progress`)] });
  const runner = Migrator.fromDatabase(db, {
    migrationsDir: options.migrationsDir,
    projectDir: base,
    trackingTable: tracking,
    // A private scratch database: nothing else holds locks, so no lock waits to bound.
    statementLockTimeoutMs: 0,
    lockRetries: 0,
  });
  const files = await runner.files();
  const migrations: ReversibilityCheck[] = [];
  // Set once the database is in a state later migrations cannot be replayed on.
  let broken = false;
  for (const f of files) {
    const check: ReversibilityCheck = {
      version: f.version,
      name: f.name,
      file: shown(f.upPath),
      status: "not-checked",
      differences: [],
      diff: null,
      step: null,
      error: null,
    };
    migrations.push(check);
    if (broken) continue;
    const fail = (step: NonNullable<ReversibilityCheck["step"]>, e: unknown, file: string) => {
      check.status = "failed";
      check.step = step;
      check.error = describeFailure(e, shown(file));
    };
    const before = await snap();
    try {
      await runner.up({ steps: 1, lint: false });
    } catch (e) {
      fail("up", e, f.upPath);
      broken = true;
      continue;
    }
    if (!f.downPath) {
      check.status = "no-down";
    } else {
      try {
        await runner.down({ steps: 1 });
        check.differences = diffCatalogs(before, await snap());
        check.diff = check.differences.length
          ? formatCatalogDiff(check.differences, { expected: "before up", actual: "after down" })
          : null;
        check.status = check.differences.length ? "irreversible" : "reversible";
        try {
          await runner.up({ steps: 1, lint: false });
        } catch (e) {
          // Typically "already exists" after a down that left something behind: keep that verdict,
          // record why the replay stops here.
          const verdict = check.status;
          fail("up again", e, f.upPath);
          if (verdict === "irreversible") check.status = verdict;
          broken = true;
        }
      } catch (e) {
        fail("down", e, f.downPath);
        // A down run in one transaction rolled back: the database is as the up left it and replay goes on.
        broken = !(await runsInOneTransaction(f.downPath));
      }
    }
    emit({
      type: "progress",
      task: `${f.version}_${f.name}: ${check.status}`,
      done: migrations.length,
      total: files.length,
    });
  }
  const count = (s: ReversibilityStatus) => migrations.filter((m) => m.status === s).length;
  const summary = {
    checked: migrations.length - count("not-checked"),
    reversible: count("reversible"),
    irreversible: count("irreversible"),
    failed: count("failed"),
    noDown: count("no-down"),
    notChecked: count("not-checked"),
  };
  return { ok: summary.irreversible === 0 && summary.failed === 0, database: db.label, migrations, summary };
}

/** A failure of one step, with the position the runner mapped to file:line:col. */
function describeFailure(e: unknown, file: string): StepFailure {
  const err = e instanceof ConfitureError ? e : undefined;
  let cause: unknown = e;
  while (cause instanceof Error && !(cause instanceof DatabaseError) && cause.cause) cause = cause.cause;
  const db = cause instanceof DatabaseError ? cause : undefined;
  return {
    message: e instanceof Error ? e.message : String(e),
    file: err?.file ?? file,
    line: err?.line ?? null,
    column: err?.column ?? null,
    sqlstate: db?.sqlstate ?? null,
    detail: db?.detail ?? err?.detail ?? null,
    hint: db?.hint ?? err?.hint ?? null,
  };
}

async function runsInOneTransaction(path: string): Promise<boolean> {
  try {
    return runModeOf(await parseSql(path, await readText(path))).mode === "transaction";
  } catch {
    return false;
  }
}
