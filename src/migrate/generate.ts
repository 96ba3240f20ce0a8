/**
 * `migrate generate`: create the next pair of migration files.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { ensureDirectory, listDir, pathExists, writeText } from "../platform/fs.ts";
import { parseMigrationFileName } from "./files.ts";

/** Result of generating a migration. */
export interface GenerateResult {
  version: string;
  name: string;
  up_file: string;
  down_file: string;
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The next version after `existing`: max + 1 at the width the folder already uses (3 digits when
 * empty); a folder of 14-digit timestamps continues with the current UTC timestamp.
 */
export function nextVersion(existing: readonly string[], now: Date = new Date()): string {
  if (existing.length === 0) return "001";
  const max = existing.map((v) => BigInt(v)).reduce((a, b) => (a > b ? a : b));
  const width = Math.max(...existing.map((v) => v.length));
  if (width >= 14) {
    const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const next = BigInt(stamp) > max ? BigInt(stamp) : max + 1n;
    return next.toString();
  }
  return (max + 1n).toString().padStart(width, "0");
}

/** Validate a migration name: lowercase snake_case. */
export function validateMigrationName(name: string): void {
  if (!NAME.test(name)) {
    throw new ConfigError(
      `Invalid migration name "${name}": use lowercase letters, digits and underscores, starting with a letter (e.g. add_bio_to_users)`,
    );
  }
}

/** Create `{version}_{name}.up.sql` and `.down.sql` in `dir`; never overwrites. */
export async function generateMigration(
  dir: string,
  name: string,
  options: { dryRun?: boolean; shownDir?: string } = {},
): Promise<GenerateResult> {
  validateMigrationName(name);
  const entries = (await listDir(dir)) ?? [];
  const versions: string[] = [];
  for (const e of entries) {
    const p = parseMigrationFileName(e.name);
    if (p.kind === "migration" || p.kind === "single") {
      versions.push(p.version);
      if (p.name === name) {
        throw new ConfigError(`A migration named "${name}" already exists: ${e.name}`);
      }
    }
  }
  const version = nextVersion(versions);
  const shown = options.shownDir ?? dir;
  const up = `${dir}/${version}_${name}.up.sql`;
  const down = `${dir}/${version}_${name}.down.sql`;
  const result = {
    version,
    name,
    up_file: `${shown}/${version}_${name}.up.sql`,
    down_file: `${shown}/${version}_${name}.down.sql`,
  };
  if (options.dryRun) return result;
  if (await pathExists(up) || await pathExists(down)) throw new ConfigError(`${result.up_file} already exists`);
  await ensureDirectory(dir);
  const title = name.replaceAll("_", " ");
  await writeText(up, `-- Migration ${version}: ${title}\n-- Runs in one transaction with its tracking row.\n\n`, {
    createNew: true,
  });
  await writeText(
    down,
    `-- Rollback of ${version}: ${title}\n-- Undo everything the .up.sql does, in reverse order.\n\n`,
    { createNew: true },
  );
  return result;
}
