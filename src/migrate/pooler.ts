/**
 * Detect a connection that goes through a pooler in transaction mode (PgBouncer, Supavisor…),
 * where a session advisory lock does not protect anything: each transaction may run on a
 * different server backend.
 *
 * @module
 */
import type { Database } from "../db/database.ts";
import { ConfigError } from "../errors.ts";

/**
 * Whether consecutive transactions of one client session run on different backends.
 *
 * Two sessions are used: A holds a transaction open (pinning one server connection) while B
 * runs one transaction; after A commits, B runs another. On a direct connection B's backend
 * never changes; behind a transaction-mode pooler B is handed another server connection (or
 * cannot get one at all while A's transaction is open).
 */
export async function usesTransactionPooler(db: Database): Promise<boolean> {
  // One backend (PGlite) has no pool in front of it, and its two "sessions" would be one.
  if (db.capabilities.sessions !== "many") return false;
  // Both sessions connect at once: a new server backend takes ~20 ms to start.
  const [ra, rb] = await Promise.allSettled([db.reserve(), db.reserve()]);
  if (ra.status === "rejected" || rb.status === "rejected") {
    for (const r of [ra, rb]) if (r.status === "fulfilled") await r.value.release();
    throw ra.status === "rejected" ? ra.reason : (rb as PromiseRejectedResult).reason;
  }
  const [a, b] = [ra.value, rb.value];
  try {
    await a.exec("BEGIN");
    await a.query("SELECT pg_backend_pid()");
    const first = await withTimeout(b.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"), 2000);
    await a.exec("COMMIT");
    if (first === undefined) return true;
    const [{ pid }] = await b.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    return Number(pid) !== Number(first[0].pid);
  } finally {
    await b.release();
    await a.exec("ROLLBACK").catch(() => {});
    await a.release();
  }
}

/** Throw the error that tells the user to configure `direct_url`. */
export function pooledConnectionError(label: string): ConfigError {
  return new ConfigError(
    `${label} goes through a connection pooler in transaction mode: the migration lock would not protect anything`,
    {
      code: "POOLED_CONNECTION",
      hint:
        "Set direct_url in the environment file to a direct (non-pooled) connection URL; Confiture runs migrations through it",
    },
  );
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
