/**
 * `build --apply --fresh`: drop and recreate the target database before building into it.
 *
 * @module
 */
import { openDatabase } from "../db/open.ts";
import { quoteIdent } from "../db/quote.ts";
import type { DatabaseTarget } from "../db/url.ts";
import { ConfitureError, EXIT, UsageError } from "../errors.ts";
import type { Queryable } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { listDir, pathExists, removePath } from "../platform/fs.ts";

/** The database a server connection uses for DROP/CREATE DATABASE. */
export const MAINTENANCE_DATABASE = "postgres";

/**
 * Drop and recreate the target. On a server: through the `postgres` maintenance database,
 * `DROP DATABASE … WITH (FORCE)` (ending other sessions) then `CREATE DATABASE`. For a PGlite
 * directory: remove it. In-memory PGlite is always fresh.
 */
export async function recreateDatabase(target: DatabaseTarget): Promise<void> {
  if (target.kind === "pglite") {
    if (target.dataDir) {
      await assertPgliteDataDir(target.dataDir);
      await removePath(target.dataDir);
    }
    return;
  }
  if ([MAINTENANCE_DATABASE, "template0", "template1"].includes(target.database)) {
    throw new UsageError(`Refusing to drop the system database "${target.database}" for --fresh`, {
      hint: "Point the environment at a database of its own",
    });
  }
  const admin = await openDatabase({ ...target, database: MAINTENANCE_DATABASE }, { max: 1 });
  try {
    const name = quoteIdent(target.database);
    // Check before dropping: a role that may drop (owner) but not create would lose the database.
    const [role] = await admin.query<{ ok: boolean }>(
      "SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user",
    );
    if (!role?.ok) {
      throw new ConfitureError(
        "DATABASE_ADMIN_FAILED",
        EXIT.failure,
        `Cannot recreate database "${target.database}": role "${target.user}" may not create databases`,
        { hint: "Grant CREATEDB to the role, or recreate the database yourself and run build --apply without --fresh" },
      );
    }
    await adminExec(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `drop database "${target.database}"`);
    await adminExec(admin, `CREATE DATABASE ${name}`, `create database "${target.database}"`);
  } finally {
    await admin.close();
  }
}

/** Run DROP/CREATE DATABASE; a refusal (no CREATEDB right, in use) becomes an error that says what failed. */
export async function adminExec(admin: Queryable, sql: string, what: string): Promise<void> {
  try {
    await admin.exec(sql);
  } catch (e) {
    if (!(e instanceof DatabaseError)) throw e;
    throw new ConfitureError("DATABASE_ADMIN_FAILED", EXIT.failure, `Cannot ${what}: ${e.message}`, {
      detail: e.detail,
      hint: e.hint ?? (e.sqlstate === "42501" ? "The role needs the CREATEDB privilege" : undefined),
      details: { sqlstate: e.sqlstate },
      cause: e,
    });
  }
}

// Only ever delete a directory PostgreSQL made: `pglite:.` must not wipe a project.
async function assertPgliteDataDir(dir: string): Promise<void> {
  const entries = await listDir(dir);
  if (!entries || entries.length === 0) return;
  if (await pathExists(`${dir}/PG_VERSION`)) return;
  throw new UsageError(`Refusing to delete ${dir} for --fresh: it is not a PGlite data directory (no PG_VERSION)`, {
    hint: "Point database_url at a directory of its own, e.g. pglite:./.confiture/local",
  });
}
