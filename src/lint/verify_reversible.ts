/**
 * Prove each migration's down undoes its up: on a scratch database, for each migration in
 * order, snapshot the catalog, apply up, apply down, compare with the snapshot, apply up again.
 *
 * @module
 */
import type { Database } from "../db/database.ts";
import { type CatalogDifference, diffCatalogs, formatCatalogDiff } from "../catalog/diff.ts";
import { snapshotCatalog } from "../catalog/snapshot.ts";
import { type EventSink, silent } from "../events.ts";
import { DatabaseError } from "../db/errors.ts";
import type { MigrationFile } from "../migrate/files.ts";
import { readText } from "../platform/fs.ts";
import { relative, resolve } from "../platform/path.ts";

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

interface RunTarget {
  version: string;
  name: string;
  shownPath: string;
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
  /** Paths in results are shown relative to this directory (default: the working directory). */
  projectDir?: string;
  /** Receives one `progress` event per migration checked. */
  onEvent?: EventSink;
  /** Tables never compared besides Confiture's own (e.g. a custom tracking table name). */
  excludeTables?: string[];
}

/**
 * Replay `files` on `db` (a scratch database: it is changed) and check every down.
 *
 * @example
 * ```ts
 * await using scratch = await openScratchDatabase();
 * const result = await verifyReversible(scratch.db, await discoverMigrations("db/migrations"));
 * result.migrations.filter((m) => m.status === "irreversible"); // downs that leave something behind
 * ```
 */
export async function verifyReversible(
  db: Database,
  files: readonly MigrationFile[],
  options: VerifyReversibleOptions = {},
): Promise<VerifyReversibleResult> {
  const emit = options.onEvent ?? silent;
  const base = resolve(options.projectDir ?? ".");
  const shown = (p: string) => relative(base, resolve(p));
  const snap = () => snapshotCatalog(db, { excludeTables: options.excludeTables });
  const run = (sql: string) => db.transaction((tx) => tx.exec(sql));
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
    const up: RunTarget = { version: f.version, name: f.name, shownPath: shown(f.upPath) };
    const upSql = await readText(f.upPath);
    const fail = (step: NonNullable<ReversibilityCheck["step"]>, e: unknown, target: RunTarget, sql: string) => {
      check.status = "failed";
      check.step = step;
      check.error = describeFailure(e, target, sql);
    };
    const before = await snap();
    try {
      await run(upSql);
    } catch (e) {
      fail("up", e, up, upSql);
      broken = true;
      continue;
    }
    if (!f.downPath) {
      check.status = "no-down";
    } else {
      const down: RunTarget = { ...up, shownPath: shown(f.downPath) };
      const downSql = await readText(f.downPath);
      try {
        await run(downSql);
        check.differences = diffCatalogs(before, await snap());
        check.diff = check.differences.length
          ? formatCatalogDiff(check.differences, { expected: "before up", actual: "after down" })
          : null;
        check.status = check.differences.length ? "irreversible" : "reversible";
        try {
          await run(upSql);
        } catch (e) {
          // Typically "already exists" after a down that left something behind: keep that verdict,
          // record why the replay stops here.
          const verdict = check.status;
          fail("up again", e, up, upSql);
          if (verdict === "irreversible") check.status = verdict;
          broken = true;
        }
      } catch (e) {
        // The failed down rolled back, so the database is as the up left it and replay goes on.
        fail("down", e, down, downSql);
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

/** A failure of one step: the database error with its position mapped to file:line:col. */
function describeFailure(e: unknown, target: RunTarget, sql: string): StepFailure {
  const db = e instanceof DatabaseError ? e : undefined;
  const at = db?.position !== undefined ? lineColumnOf(sql, db.position) : undefined;
  return {
    message: e instanceof Error ? e.message : String(e),
    file: target.shownPath,
    line: at?.line ?? null,
    column: at?.column ?? null,
    sqlstate: db?.sqlstate ?? null,
    detail: db?.detail ?? null,
    hint: db?.hint ?? null,
  };
}

/** 1-based line and column of the server's 1-based character position. */
function lineColumnOf(sql: string, position: number): { line: number; column: number } {
  const before = [...sql].slice(0, position - 1).join("");
  const lines = before.split("\n");
  return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
}
