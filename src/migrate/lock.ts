/**
 * The migration lock: a session-level PostgreSQL advisory lock, keyed like the Python original
 * so both tools exclude each other. It vanishes with the session, so a crashed deployer never
 * leaves a stale lock behind.
 *
 * @module
 */
import type { Queryable, ReservedSession } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { LockError } from "../errors.ts";
import type { EventSink, LockHolder } from "../events.ts";
import { sha256Hex } from "./checksum.ts";

import { LOCK_CLASSID } from "../config/defaults.ts";

export { LOCK_CLASSID };

/** The lock's object id: first 4 bytes of SHA-256(database name), big-endian, & 0x7FFFFFFF. */
export function lockObjectId(databaseName: string): number {
  const hex = sha256Hex(databaseName);
  return parseInt(hex.slice(0, 8), 16) & 0x7fffffff;
}

/** Who holds the lock right now, if anyone (and we can see them). */
export async function lockHolder(q: Queryable, objid: number): Promise<LockHolder | undefined> {
  const rows = await q.query<LockHolder>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr,
            to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS backend_start,
            to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS query_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid
        AND l.objid = $2::bigint::oid AND l.objsubid = 2 AND l.pid <> pg_backend_pid()
      LIMIT 1`,
    [LOCK_CLASSID, objid],
  );
  return rows[0] ? { ...rows[0], pid: Number(rows[0].pid) } : undefined;
}

/** Options for {@link withMigrationLock}. */
export interface LockOptions {
  /** How long to wait for another holder, in ms. */
  timeoutMs: number;
  onEvent?: EventSink;
}

/**
 * Run `fn` while holding the migration lock on `session`. Waits up to `timeoutMs` for another
 * holder, then throws LockError (exit 6) naming the holder.
 */
export async function withMigrationLock<T>(
  session: ReservedSession,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const [{ db }] = await session.query<{ db: string }>("SELECT current_database() AS db");
  const objid = lockObjectId(db);
  const started = performance.now();
  const [{ ok }] = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
    LOCK_CLASSID,
    objid,
  ]);
  if (!ok) {
    const holder = await lockHolder(session, objid);
    options.onEvent?.({ type: "lock.waiting", holder });
    try {
      await session.exec(`SET lock_timeout = ${Math.max(1, Math.round(options.timeoutMs))}`);
      await session.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASSID, objid]);
    } catch (e) {
      if (e instanceof DatabaseError && e.sqlstate === "55P03") {
        const now = await lockHolder(session, objid).catch(() => undefined) ?? holder;
        throw lockTimeoutError(options.timeoutMs, now);
      }
      throw e;
    } finally {
      await session.exec("RESET lock_timeout").catch(() => {});
    }
  }
  options.onEvent?.({ type: "lock.acquired", waitedMs: Math.round(performance.now() - started) });
  try {
    return await fn();
  } finally {
    await session.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASSID, objid]).catch(() => {});
  }
}

function lockTimeoutError(timeoutMs: number, holder: LockHolder | undefined): LockError {
  const who = holder
    ? ` It is held by pid ${holder.pid} (${holder.application_name || "unknown application"}${
      holder.client_addr ? ` from ${holder.client_addr}` : ""
    }, connected since ${holder.backend_start ?? "unknown"}).`
    : "";
  return new LockError(`Could not acquire the migration lock within ${formatMs(timeoutMs)}.${who}`, {
    hint: "Wait for the other deployment to finish, or raise --lock-timeout",
    details: { holder: holder ?? null, lock: { classid: LOCK_CLASSID } },
  });
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
