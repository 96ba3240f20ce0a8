/**
 * Throwaway databases for replaying migrations: an in-memory PGlite, or a temporary database
 * created on a server (through the server of a given URL) and dropped afterwards.
 *
 * @module
 */
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import { quoteIdent } from "../db/quote.ts";
import type { DatabaseTarget } from "../db/url.ts";

/** A scratch database and how to get rid of it. */
export interface ScratchDatabase extends AsyncDisposable {
  db: Database;
  /** Printable description (no password). */
  label: string;
}

/**
 * Open a scratch database. For a server target, a database named `confiture_scratch_<random>`
 * is created while connected to the target's database and dropped (with any session left on it)
 * on dispose; the target database itself is never changed. Without a target: in-memory PGlite,
 * with `extensions` (the `CREATE EXTENSION` names the replay needs) loaded.
 */
export async function openScratchDatabase(
  target?: DatabaseTarget,
  options: { extensions?: readonly string[] } = {},
): Promise<ScratchDatabase> {
  if (!target || target.kind === "pglite") {
    const db = await openDatabase({ kind: "pglite" }, { extensions: options.extensions });
    return { db, label: "pglite:memory (scratch)", [Symbol.asyncDispose]: () => db.close() };
  }
  const name = `confiture_scratch_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = await openDatabase(target, { max: 1 });
  try {
    await admin.exec(`CREATE DATABASE ${quoteIdent(name)}`);
    let db: Database;
    try {
      db = await openDatabase({ ...target, database: name });
    } catch (e) {
      await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      throw e;
    }
    return {
      db,
      label: `${db.label} (scratch)`,
      async [Symbol.asyncDispose]() {
        try {
          await db.close();
        } finally {
          // WITH (FORCE) (PostgreSQL 13+) ends sessions a failed migration may have left behind.
          await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).finally(() => admin.close());
        }
      },
    };
  } catch (e) {
    await admin.close();
    throw e;
  }
}
