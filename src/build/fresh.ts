/**
 * `build --apply --fresh`: drop and recreate the target database before building into it.
 *
 * @module
 */
import { openDatabase } from "../db/open.ts";
import { quoteIdent } from "../db/quote.ts";
import type { DatabaseTarget } from "../db/url.ts";
import { UsageError } from "../errors.ts";
import { removePath } from "../platform/fs.ts";

/** The database a server connection uses for DROP/CREATE DATABASE. */
export const MAINTENANCE_DATABASE = "postgres";

/**
 * Drop and recreate the target. On a server: through the `postgres` maintenance database,
 * `DROP DATABASE … WITH (FORCE)` (ending other sessions) then `CREATE DATABASE`. For a PGlite
 * directory: remove it. In-memory PGlite is always fresh.
 */
export async function recreateDatabase(target: DatabaseTarget): Promise<void> {
  if (target.kind === "pglite") {
    if (target.dataDir) await removePath(target.dataDir);
    return;
  }
  if (target.database === MAINTENANCE_DATABASE) {
    throw new UsageError(`Refusing to drop the maintenance database "${MAINTENANCE_DATABASE}" for --fresh`, {
      hint: "Point the environment at a database of its own",
    });
  }
  const admin = await openDatabase({ ...target, database: MAINTENANCE_DATABASE }, { max: 1 });
  try {
    const name = quoteIdent(target.database);
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
}
