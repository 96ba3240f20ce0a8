/**
 * Whether two open databases are one and the same, asked of the servers themselves: two
 * spellings of one database (`127.0.0.1` and `localhost`, a URL and a `key=value` string, a
 * unix socket and TCP) must never pass for two, or a sync would truncate its own source.
 *
 * The decider is an advisory-lock probe: advisory locks are scoped to one database of one
 * cluster, so a lock held through `a` blocks the same key taken through `b` exactly when they
 * are the same database. It needs no privilege and works on managed services. The cluster's
 * `system_identifier` and the database oid, where readable, are kept for the message.
 *
 * @module
 */
import type { Database, Queryable } from "./database.ts";

/** What a server says about the database a connection landed in. */
export interface DatabaseIdentity {
  /** `pg_control_system().system_identifier`, or null where the role may not read it. */
  system_identifier: string | null;
  database_oid: string;
  database: string;
}

/** Ask a server which database this connection is in. */
export async function databaseIdentity(q: Queryable): Promise<DatabaseIdentity> {
  const [row] = await q.query<{ oid: string; datname: string }>(
    "SELECT d.oid::text AS oid, d.datname FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()",
  );
  let sysid: string | null = null;
  try {
    const [c] = await q.query<{ id: string }>(
      "SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()",
    );
    sysid = c?.id ?? null;
  } catch {
    // Managed services may revoke pg_control_system(); the probe below still decides.
  }
  return { system_identifier: sysid, database_oid: row.oid, database: row.datname };
}

/**
 * True when `a` and `b` reach the same database. Holds a session advisory lock with a random
 * key through `a` and tries the same key through `b`; both sessions are released afterwards.
 */
export async function isSameDatabase(a: Database, b: Database): Promise<boolean> {
  if (a === b) return true; // one session would take its own lock again: the probe cannot tell
  // A handle whose data nothing else can reach (embedded PGlite) is only ever itself.
  if (!a.capabilities.shared || !b.capabilities.shared) return false;
  const keys = crypto.getRandomValues(new Int32Array(2));
  const [k1, k2] = [keys[0], keys[1]];
  const holder = await a.reserve();
  try {
    await holder.query("SELECT pg_catalog.pg_advisory_lock($1::int, $2::int)", [k1, k2]);
    const prober = await b.reserve();
    try {
      const [r] = await prober.query<{ got: boolean }>(
        "SELECT pg_catalog.pg_try_advisory_lock($1::int, $2::int) AS got",
        [k1, k2],
      );
      if (r.got) await prober.query("SELECT pg_catalog.pg_advisory_unlock($1::int, $2::int)", [k1, k2]);
      return !r.got;
    } finally {
      await prober.release();
    }
  } finally {
    await holder.query("SELECT pg_catalog.pg_advisory_unlock($1::int, $2::int)", [k1, k2]).catch(() => {});
    await holder.release();
  }
}
