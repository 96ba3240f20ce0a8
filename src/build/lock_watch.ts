/**
 * Watch a build's session for lock waits, from another connection: say what it waits for and
 * who holds it, and give up (cancel the wait) once the build's lock timeout has passed, even
 * when the script itself turned `lock_timeout` off (pg_dump output does).
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { LockError } from "../errors.ts";

/** A lock the watched session waits for, and the session that holds it. */
export interface LockWait {
  /** e.g. `relation`, `transactionid`. */
  locktype: string;
  /** e.g. `AccessExclusiveLock`. */
  mode: string;
  /** The table, when the lock is on a relation. */
  relation: string | null;
  waitedMs: number;
  holder: {
    pid: number;
    application_name: string | null;
    client_addr: string | null;
    /** e.g. `idle in transaction` (its statements are not shown: they may hold secrets). */
    state: string | null;
  } | null;
}

/** A running watch; {@link LockWatch.stop} before using the result. */
export interface LockWatch {
  /** The last wait seen, if any. */
  readonly last: LockWait | undefined;
  /** Whether the watch cancelled the session's statement because its wait passed the timeout. */
  readonly cancelled: boolean;
  stop(): Promise<void>;
}

/** Options for {@link watchLockWaits}. */
export interface LockWatchOptions {
  timeoutMs: number;
  /** Called once per distinct wait (another lock or another holder). */
  onWait: (wait: LockWait) => void;
  /** Time between looks (default 250 ms). */
  pollMs?: number;
}

/** Start watching backend `pid` through `watcher` (a connection other than `pid`'s). */
export function watchLockWaits(watcher: Queryable, pid: number, options: LockWatchOptions): LockWatch {
  let last: LockWait | undefined;
  let lastKey = "";
  let cancelled = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const look = async () => {
    const wait = await currentWait(watcher, pid).catch(() => undefined);
    if (stopped) return;
    if (wait) {
      last = wait;
      const key = `${wait.locktype}|${wait.mode}|${wait.relation}|${wait.holder?.pid}`;
      if (key !== lastKey) options.onWait(wait);
      lastKey = key;
      // The server's lock_timeout normally fires first; this covers a script that disabled it.
      if (wait.waitedMs >= options.timeoutMs + 500 && !cancelled) {
        cancelled = true;
        await watcher.query("SELECT pg_cancel_backend($1)", [pid]).catch(() => {});
      }
    }
    if (!stopped) timer = setTimeout(tick, options.pollMs ?? 250);
  };
  const tick = () => {
    running = look();
  };
  timer = setTimeout(tick, options.pollMs ?? 250);
  return {
    get last() {
      return last;
    },
    get cancelled() {
      return cancelled;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

async function currentWait(q: Queryable, pid: number): Promise<LockWait | undefined> {
  const [row] = await q.query<{
    locktype: string;
    mode: string;
    relation: string | null;
    waited_ms: string | number | null;
    holder_pid: number | null;
    application_name: string | null;
    client_addr: string | null;
    state: string | null;
  }>(
    `SELECT l.locktype, l.mode,
            CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text END AS relation,
            floor(extract(epoch FROM clock_timestamp() - l.waitstart) * 1000)::bigint AS waited_ms,
            b.pid AS holder_pid, b.application_name, host(b.client_addr) AS client_addr, b.state
       FROM pg_locks l
       LEFT JOIN LATERAL (SELECT unnest(pg_blocking_pids(l.pid)) AS pid LIMIT 1) bp ON true
       LEFT JOIN pg_stat_activity b ON b.pid = bp.pid
      WHERE l.pid = $1 AND NOT l.granted
      LIMIT 1`,
    [pid],
  );
  if (!row) return undefined;
  return {
    locktype: row.locktype,
    mode: row.mode,
    relation: row.relation,
    waitedMs: Number(row.waited_ms ?? 0),
    holder: row.holder_pid === null ? null : {
      pid: Number(row.holder_pid),
      application_name: row.application_name,
      client_addr: row.client_addr,
      state: row.state,
    },
  };
}

/** One line for stderr: what the build waits for and who holds it. */
export function describeLockWait(wait: LockWait, timeoutMs: number): string {
  return `Waiting for ${lockTarget(wait)}${holderText(wait)}; giving up after ${formatMs(timeoutMs)}`;
}

/** The error for a build that waited `timeoutMs` for a lock (exit 6). */
export function buildLockTimeout(timeoutMs: number, wait: LockWait | undefined, cause: unknown): LockError {
  const what = wait ? ` for ${lockTarget(wait)}${holderText(wait)}` : " for a lock";
  return new LockError(`Cannot apply the schema: waited ${formatMs(timeoutMs)}${what}; nothing was applied`, {
    hint: "Let the holder finish (or end it), or raise migration.lock_timeout in the environment file",
    details: { lock: wait ?? null },
    cause,
  });
}

function lockTarget(wait: LockWait): string {
  const mode = wait.mode.replace(/Lock$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
  return wait.relation ? `a ${mode} lock on ${wait.relation}` : `a ${mode} lock (${wait.locktype})`;
}

function holderText(wait: LockWait): string {
  const h = wait.holder;
  if (!h) return "";
  const app = h.application_name || "unknown application";
  const from = h.client_addr ? ` from ${h.client_addr}` : "";
  const doing = h.state ? `, ${h.state}` : "";
  return `, held by pid ${h.pid} (${app}${from}${doing})`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
