/**
 * Lock waits on the target are never silent. Before a table's first batch (and before a
 * restart empties it) the lock the copy needs is tried without waiting; when another session
 * holds a conflicting one, a `lock.waiting` event names the lock and its holders, and the wait
 * is bounded by a `lock_timeout`. Batch sessions carry the same `lock_timeout`. A timeout is a
 * LockError (exit 6) naming the holders; every committed batch stays, so `--resume` goes on.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey, type QualifiedName } from "../db/qualified_name.ts";
import type { Database, Queryable } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { LockError } from "../errors.ts";
import type { EventSink, LockHolder } from "../events.ts";

/** The default bound on a lock wait on the target, in ms. */
export const DEFAULT_TARGET_LOCK_TIMEOUT_MS = 30_000;

/** A session holding a lock on a target table. */
export interface TableLockHolder extends LockHolder {
  /** The lock mode it holds, e.g. `AccessExclusiveLock`. */
  mode: string;
  /** The statement it runs or last ran. */
  query: string | null;
}

/** The lock a phase needs on a target table. */
export type TableLockMode = "ROW EXCLUSIVE" | "ACCESS EXCLUSIVE";

/** Other sessions holding a lock on `table`. */
export async function tableLockHolders(q: Queryable, table: QualifiedName): Promise<TableLockHolder[]> {
  const rows = await q.query<TableLockHolder>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr,
            to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS backend_start,
            to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS query_start,
            l.mode, left(a.query, 200) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.relation = to_regclass($1) AND l.granted AND l.pid <> pg_backend_pid()
      ORDER BY a.xact_start NULLS LAST, a.pid`,
    [formatQualifiedName(table)],
  );
  return rows.map((r) => ({ ...r, pid: Number(r.pid) }));
}

/** `ROW EXCLUSIVE lock on public.tb_user in the target`. */
function describeLock(mode: TableLockMode, table: QualifiedName): string {
  return `a ${mode} lock on ${qualifiedKey(table)} in the target`;
}

/** Options for {@link waitForTableLock}. */
export interface TableLockOptions {
  timeoutMs: number;
  onEvent: EventSink;
}

/**
 * Make sure `mode` on `table` can be had: at once, or after a wait that is announced and
 * bounded. The lock is released again; the caller's own statements take it for real.
 */
export async function waitForTableLock(
  target: Database,
  table: QualifiedName,
  mode: TableLockMode,
  options: TableLockOptions,
): Promise<void> {
  const session = await target.reserve();
  const lock = `LOCK TABLE ${formatQualifiedName(table)} IN ${mode} MODE`;
  try {
    await session.exec("BEGIN");
    try {
      await session.exec(`${lock} NOWAIT`);
      return;
    } catch (e) {
      if (!isLockTimeout(e)) throw e;
    }
    await session.exec("ROLLBACK");
    const started = performance.now();
    const holders = await tableLockHolders(session, table);
    options.onEvent({ type: "lock.waiting", holder: holders[0], resource: describeLock(mode, table) });
    await session.exec(`BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(options.timeoutMs))}`);
    try {
      await session.exec(lock);
    } catch (e) {
      if (!isLockTimeout(e)) throw e;
      await session.exec("ROLLBACK").catch(() => {});
      throw await lockTimeout(session, table, mode, options.timeoutMs, holders);
    }
    options.onEvent({
      type: "lock.acquired",
      waitedMs: Math.round(performance.now() - started),
      resource: describeLock(mode, table),
    });
  } finally {
    await session.exec("ROLLBACK").catch(() => {});
    await session.release();
  }
}

/** Whether `e` is PostgreSQL's lock_timeout / NOWAIT failure (55P03). */
export function isLockTimeout(e: unknown): e is DatabaseError {
  return e instanceof DatabaseError && e.sqlstate === "55P03";
}

/**
 * The LockError for a lock wait on `table` that ran out, naming who holds the lock now (or,
 * when they are gone already, who held it when the wait began).
 */
export async function lockTimeout(
  q: Queryable,
  table: QualifiedName,
  mode: TableLockMode,
  timeoutMs: number,
  earlier: TableLockHolder[] = [],
): Promise<LockError> {
  const now = await tableLockHolders(q, table).catch(() => []);
  const holders = now.length > 0 ? now : earlier;
  const who = holders.length > 0
    ? `; held by ${
      holders.map((h) =>
        `pid ${h.pid} (${h.application_name || "unknown application"}${
          h.client_addr ? ` from ${h.client_addr}` : ""
        }, ${h.mode}${h.query ? `, running "${h.query.replace(/\s+/g, " ").trim()}"` : ""})`
      ).join(", ")
    }`
    : "";
  return new LockError(
    `Timed out after ${formatMs(timeoutMs)} waiting for ${describeLock(mode, table)}${who}`,
    {
      hint: `every committed batch is kept: once ${
        holders.length ? holders.map((h) => `pid ${h.pid}`).join(", ") : "the other session"
      } is done, run \`migrate --resume\` (or raise --lock-timeout)`,
      details: { table: qualifiedKey(table), mode, holders },
    },
  );
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
