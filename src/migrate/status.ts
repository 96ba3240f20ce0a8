/**
 * The status join: migration files on one side, tracking rows and the partial-run journal on
 * the other, into one list in version order. Pure, so every combination has a unit test.
 *
 * @module
 */
import { compareVersions, isVersion, type MigrationFile, versionKey } from "./files.ts";
import type { MigrationStatus } from "./results.ts";
import type { AppliedMigration, PartialRun } from "./tracking_table.ts";

/** The tracking rows and journal entries `joinStatus` reads. */
export type StatusRow = Pick<AppliedMigration, "version" | "name" | "applied_at">;

/** Applied migrations whose files changed since they ran, by part (from checksum_check.ts). */
export interface EditedParts {
  up: ReadonlySet<string>;
  down: ReadonlySet<string>;
}

/**
 * Each file as applied, pending or partial (stopped midway; a rerun resumes it), plus each
 * tracking row whose file is gone as missing; sorted by version.
 *
 * @example
 * ```ts
 * import { joinStatus } from "./status.ts";
 * const files = [{ version: "001", name: "a", upPath: "/m/001_a.up.sql" }];
 * joinStatus(files, [], []); // [{ version: "001", name: "a", status: "pending", applied_at: null }]
 * ```
 */
export function joinStatus(
  files: readonly MigrationFile[],
  applied: readonly StatusRow[],
  partial: readonly PartialRun[],
  edited: EditedParts = { up: new Set(), down: new Set() },
): MigrationStatus[] {
  const appliedByKey = new Map(applied.map((a) => [versionKey(a.version), a]));
  const fileKeys = new Set(files.map((f) => versionKey(f.version)));
  const migrations: MigrationStatus[] = files.map((f) => {
    const row = appliedByKey.get(versionKey(f.version));
    const run = partial.find((p) => sameVersion(p.version, f.version) && p.direction === (row ? "down" : "up"));
    const entry: MigrationStatus = {
      version: f.version,
      name: f.name,
      status: run ? "partial" : !row ? "pending" : edited.up.has(versionKey(f.version)) ? "edited" : "applied",
      applied_at: row?.applied_at ?? null,
    };
    if (row && row.name !== f.name) entry.recorded_name = row.name;
    if (row && edited.down.has(versionKey(f.version))) entry.down_edited = true;
    if (run) {
      entry.stopped_at = {
        direction: run.direction,
        statement: run.statements_done + 1,
        of: run.statements_total,
        line: run.next_line,
        error: run.last_error,
      };
    }
    return entry;
  });
  for (const row of applied) {
    if (!fileKeys.has(versionKey(row.version))) {
      migrations.push({ version: row.version, name: row.name, status: "missing", applied_at: row.applied_at });
    }
  }
  migrations.sort((a, b) => orderVersions(a.version, b.version));
  return migrations;
}

/** Whether two version texts name the same migration (`001` and `1` do). */
export function sameVersion(a: string, b: string): boolean {
  return versionKey(a) === versionKey(b);
}

/** Numeric order for versions; text order for rows whose version is not one (hand-written rows). */
export function orderVersions(a: string, b: string): number {
  if (isVersion(a) && isVersion(b)) return compareVersions(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}
