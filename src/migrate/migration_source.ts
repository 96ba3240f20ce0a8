/**
 * The folder side of a Migrator: discovering the files, reading and parsing them, and the
 * facts derived from a file (its tracking row, its identity in messages, its dry-run plan).
 * Kept apart from the entry so the Migrator reads as the database workflows only.
 *
 * @module
 */
import { relative } from "../platform/path.ts";
import type { RunTarget } from "./apply.ts";
import { migrationChecksum } from "./checksum.ts";
import { discoverMigrations, type MigrationFile, type MigrationTexts } from "./files.ts";
import type { PlannedMigration } from "./results.ts";
import { type MigrationScript, prepareScript, renderScript, type ScriptSettings } from "./script.ts";
import type { RecordMigration } from "./tracking_table.ts";

/** A migrations folder inside a project; paths in messages are relative to the project. */
export class MigrationSource {
  constructor(
    readonly migrationsDir: string,
    readonly projectDir: string,
    readonly settings: ScriptSettings,
  ) {}

  /** The migration files, in version order. Naming problems throw ConfigError (exit 5). */
  files(): Promise<MigrationFile[]> {
    return discoverMigrations(this.migrationsDir, this.shown(this.migrationsDir));
  }

  /** Parse every script before any runs, so a syntax error changes nothing. */
  prepareAll(paths: readonly string[], texts: MigrationTexts): Promise<MigrationScript[]> {
    return Promise.all(paths.map((path) => prepareScript(texts.text(path), this.shown(path), this.settings)));
  }

  /** The tracking row of `file`; `slugSuffix` marks rows written by baseline or reinit. */
  recordFor(file: MigrationFile, texts: MigrationTexts, slugSuffix?: string): RecordMigration {
    return {
      version: file.version,
      name: file.name,
      slugSuffix,
      executionTimeMs: 0,
      checksum: migrationChecksum(texts.text(file.upPath)),
      downChecksum: file.downPath ? migrationChecksum(texts.text(file.downPath)) : null,
    };
  }

  /** What is being run, for messages and the journal; `checksum` when the caller already has it. */
  runTarget(file: MigrationFile, direction: "up" | "down", script: MigrationScript, checksum?: string): RunTarget {
    const path = direction === "up" ? file.upPath : file.downPath ?? file.upPath;
    return {
      version: file.version,
      name: file.name,
      shownPath: this.shown(path),
      direction,
      checksum: checksum ?? migrationChecksum(script.text),
    };
  }

  /** One entry of a dry run's plan: the SQL that would run, with its bookkeeping statement. */
  describe(file: MigrationFile, path: string, script: MigrationScript, bookkeeping: string): PlannedMigration {
    return {
      version: file.version,
      name: file.name,
      file: this.shown(path),
      mode: script.mode,
      sql: renderScript(script, bookkeeping, this.shown(path)),
    };
  }

  /** `path` as printed: relative to the project when inside it. */
  shown(path: string): string {
    const rel = relative(this.projectDir, path);
    return rel.startsWith("..") ? path : rel;
  }
}
