/**
 * The contrib extensions a migrations folder creates, so an embedded engine (PGlite) is opened
 * with their bundles loaded: `migrate up` of a chain whose 001 is a `pg_dump -s` creating
 * citext or pgcrypto, and the build, diff and verify commands that replay the chain.
 *
 * @module
 */
import { readText } from "../platform/fs.ts";
import { extensionsCreatedBy } from "../sql/extensions.ts";
import { discoverMigrations } from "./files.ts";

/** The extensions the up files of a migrations folder create. */
export async function extensionsCreatedByMigrations(migrationsDir: string): Promise<string[]> {
  const files = await discoverMigrations(migrationsDir);
  return extensionsCreatedBy(...await Promise.all(files.map((f) => readText(f.upPath))));
}
