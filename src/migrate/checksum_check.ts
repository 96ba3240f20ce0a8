/**
 * Checking applied migrations against their files: which were edited (up or down part) or
 * lost since they ran, and the refusals `up` and `down` raise for them. `verify` reports the
 * same issues; the checksum function itself is in `checksum.ts`.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { readBytesSync } from "../platform/fs.ts";
import { checksumMatches, migrationChecksum } from "./checksum.ts";
import { type MigrationFile, type MigrationTexts, versionKey } from "./files.ts";
import type { AppliedMigration } from "./tracking_table.ts";

/** A checksum problem found by `Migrator.verify`. */
export interface ChecksumIssue {
  version: string;
  name: string;
  file: string;
  kind: "modified" | "missing";
  /** Which part was edited: an edited down file blocks only a rollback through it. */
  part: "up" | "down";
  stored: string | null;
  actual: string | null;
}

/** The tracking-row fields a check reads. */
export type ChecksumRow = Pick<AppliedMigration, "version" | "name" | "checksum" | "down_checksum">;

/**
 * Compare each applied row's stored checksums with its files' text now. `shown` turns an
 * absolute path into the one printed. A row without a stored checksum is not checked.
 */
export function checksumIssues(
  files: readonly MigrationFile[],
  applied: readonly ChecksumRow[],
  texts: MigrationTexts,
  shown: (path: string) => string,
): ChecksumIssue[] {
  const filesByKey = new Map(files.map((f) => [versionKey(f.version), f]));
  return applied.flatMap((row) => {
    const issues: ChecksumIssue[] = [];
    const file = filesByKey.get(versionKey(row.version));
    if (!file) {
      issues.push({
        version: row.version,
        name: row.name,
        file: `${row.version}_${row.name}.up.sql`,
        kind: "missing",
        part: "up",
        stored: row.checksum,
        actual: null,
      });
      return issues;
    }
    const check = (
      stored: string | null | undefined,
      path: string,
      part: "up" | "down",
      raw?: () => Uint8Array,
    ) => {
      if (!stored) return;
      const text = texts.text(path);
      if (checksumMatches(stored, text, raw)) return;
      issues.push({
        version: row.version,
        name: row.name,
        file: shown(path),
        kind: "modified",
        part,
        stored,
        actual: migrationChecksum(text),
      });
    };
    // The Python original stored the up file's raw-bytes checksum.
    check(row.checksum, file.upPath, "up", () => readBytesSync(file.upPath));
    if (file.downPath) check(row.down_checksum, file.downPath, "down");
    return issues;
  });
}

/**
 * Refuse `up` when an applied migration's up file was edited (exit 5). An edited down file
 * never gates `up`: it is a warning, and blocks only a rollback through it.
 */
export function assertUpChecksums(
  files: readonly MigrationFile[],
  applied: readonly ChecksumRow[],
  texts: MigrationTexts,
  shown: (path: string) => string,
  emit: EventSink,
): void {
  const all = checksumIssues(files, applied, texts, shown).filter((i) => i.kind === "modified");
  for (const i of all.filter((i) => i.part === "down")) {
    emit({ type: "warning", message: editedDownMessage(i) });
  }
  const modified = all.filter((i) => i.part === "up");
  if (modified.length === 0) return;
  const lines = modified.map((i) => `${i.file} was edited after it was applied (stored ${i.stored}, now ${i.actual})`);
  throw new ConfigError(
    lines.length === 1 ? lines[0] : `${lines.length} applied migrations were edited:\n  ${lines.join("\n  ")}`,
    {
      code: "CHECKSUM_MISMATCH",
      file: modified[0].file,
      problems: lines,
      hint:
        "Revert the edit and put the change in a new migration; if the edit changes nothing that ran (a comment), record it with `confiture migrate verify --accept`",
      details: { mismatches: modified },
    },
  );
}

/** Refuse a rollback through a migration whose down file was edited after it was applied (exit 5). */
export function assertDownChecksums(
  steps: readonly { file: MigrationFile; applied: ChecksumRow }[],
  texts: MigrationTexts,
  shown: (path: string) => string,
): void {
  const modified = checksumIssues(steps.map((s) => s.file), steps.map((s) => s.applied), texts, shown)
    .filter((i) => i.kind === "modified" && i.part === "down");
  if (modified.length === 0) return;
  const lines = modified.map((i) => `${i.file} was edited after ${i.version} was applied`);
  throw new ConfigError(
    lines.length === 1 ? lines[0] : `${lines.length} down files were edited:\n  ${lines.join("\n  ")}`,
    {
      code: "DOWN_CHECKSUM_MISMATCH",
      file: modified[0].file,
      problems: lines,
      hint:
        "Check that the edited down file undoes what its up file did, then record it with `confiture migrate verify --accept`; nothing was rolled back",
      details: { mismatches: modified },
    },
  );
}

function editedDownMessage(i: ChecksumIssue): string {
  return `${i.file} was edited after ${i.version} was applied: a rollback through it is refused until \`confiture migrate verify --accept\` records the new text`;
}

/** Result of `Migrator.verify`. */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  issues: ChecksumIssue[];
  /** With `accept`: the edited files whose new checksums were recorded. */
  accepted?: ChecksumIssue[];
}
