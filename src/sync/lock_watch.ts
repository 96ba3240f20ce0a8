/**
 * Lock waits are never silent: while a sync runs, a second session on the same server asks
 * every few hundred milliseconds whether one of the sync's sessions waits for a lock, and who
 * holds it (`pg_blocking_pids`, `pg_locks`, `pg_stat_activity`). Each new wait becomes one
 * `lock.waiting` event; the last one seen names the holder when `lock_timeout` fires.
 *
 * @module
 */
import type { Database, ReservedSession } from "../db/database.ts";
import type { EventSink, LockHolder } from "../events.ts";

/** One observed wait: which of our sessions waits, for what, and on whom. */
export interface LockWait {
  /** Backend pid of the sync's waiting session. */
  waiter: number;
  /** The lock asked for, e.g. `AccessExclusiveLock on public.tb_user`. */
  lock: string;
  holder: LockHolder;
}

/** A running watch; {@link LockWatch.stop} ends it and returns its session. */
export interface LockWatch {
  /** The most recent wait seen, if any. */
  last(): LockWait | undefined;
  stop(): Promise<void>;
}

const WAITS_SQL = `
SELECT w.pid AS waiter, a.pid, a.application_name, host(a.client_addr) AS client_addr,
       to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS backend_start,
       to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS query_start,
       l.locktype, l.mode, l.relation::regclass::text AS relation, l.transactionid::text AS xid
  FROM unnest($1::int[]) AS w(pid)
 CROSS JOIN LATERAL unnest(pg_catalog.pg_blocking_pids(w.pid)) AS b(pid)
  JOIN pg_catalog.pg_stat_activity a ON a.pid = b.pid
  LEFT JOIN LATERAL (SELECT locktype, mode, relation, transactionid FROM pg_catalog.pg_locks
                      WHERE pid = w.pid AND NOT granted LIMIT 1) l ON true
 ORDER BY w.pid, a.pid`;

type WaitRow = LockHolder & {
  waiter: number;
  locktype: string | null;
  mode: string | null;
  relation: string | null;
  xid: string | null;
};

/**
 * Watch `pids` (sessions of `db`) for lock waits from a session of its own. `doing()` says
 * what the sync is doing at that moment, for the event. Returns undefined when `db` has no
 * spare session within `reserve` (a one-connection pool; PGlite, where nothing can block).
 */
export function watchLockWaits(
  db: Database,
  pids: readonly number[],
  options: {
    doing: () => string;
    emit: EventSink;
    /** Where the database is in the sync, for the event: `the target (staging)`. */
    side: string;
    everyMs?: number;
    reserve: (db: Database) => Promise<ReservedSession | undefined>;
  },
): Promise<LockWatch | undefined> {
  if (db.capabilities.sessions !== "many" || pids.length === 0) return Promise.resolve(undefined);
  return options.reserve(db).then((observer) => observer && start(observer, pids, options));
}

function start(
  observer: ReservedSession,
  pids: readonly number[],
  options: { doing: () => string; emit: EventSink; side: string; everyMs?: number },
): LockWatch {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let last: LockWait | undefined;
  const seen = new Set<string>();
  const poll = async () => {
    let rows: WaitRow[];
    try {
      rows = await observer.query<WaitRow>(WAITS_SQL, [pids]);
    } catch {
      stopped = true; // the observer is gone; the sync itself will report why
      return;
    }
    if (rows.length === 0) seen.clear();
    for (const r of rows) {
      const wait: LockWait = {
        waiter: Number(r.waiter),
        lock: describeLock(r),
        holder: {
          pid: Number(r.pid),
          application_name: r.application_name,
          client_addr: r.client_addr,
          backend_start: r.backend_start,
          query_start: r.query_start,
        },
      };
      last = wait;
      const key = `${wait.waiter}:${wait.holder.pid}:${wait.lock}`;
      if (seen.has(key)) continue;
      seen.add(key);
      options.emit({
        type: "lock.waiting",
        lock: `${wait.lock} in ${options.side} (${options.doing()})`,
        holder: wait.holder,
      });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = poll().then(schedule);
    }, options.everyMs ?? 250);
  };
  schedule();
  return {
    last: () => last,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      await observer.release();
    },
  };
}

function describeLock(r: WaitRow): string {
  if (r.relation) return `${r.mode} on ${r.relation}`;
  if (r.locktype === "transactionid") return `a row lock held by transaction ${r.xid}`;
  return r.mode ? `${r.mode} (${r.locktype})` : "a lock";
}
