/**
 * Typed progress events: the only way progress leaves the core. The CLI renders them on
 * stderr; library users may log them or ignore them.
 *
 * @module
 */

/** A progress event emitted by a long-running library operation. */
export type ConfitureEvent =
  | {
    type: "lock.waiting";
    holder?: LockHolder;
    /** What is waited for, when it is not the migration lock (e.g. a table lock in schema-to-schema). */
    resource?: string;
    /** A sync's table-lock wait, already worded with its side and task (rendered with the holder's query start). */
    lock?: string;
  }
  | { type: "lock.acquired"; waitedMs: number; resource?: string }
  | {
    type: "migration.start";
    direction: "up" | "down";
    version: string;
    name: string;
    /** How many statements the file holds. */
    statements: number;
    /** The file runs statement by statement (outside one transaction): `migration.statement` follows. */
    stepwise: boolean;
  }
  | {
    /** A statement-by-statement migration starts its statement `index` (1-based) of `total`. */
    type: "migration.statement";
    direction: "up" | "down";
    version: string;
    name: string;
    index: number;
    total: number;
  }
  | { type: "migration.done"; direction: "up" | "down"; version: string; name: string; durationMs: number }
  | { type: "migration.retry"; version: string; name: string; attempt: number; delayMs: number; reason: string }
  | { type: "warning"; message: string }
  | { type: "info"; message: string }
  | { type: "progress"; task: string; done: number; total?: number; unit?: string };

/** Who holds a lock, as read from `pg_stat_activity`. */
export interface LockHolder {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: string | null;
  query_start: string | null;
}

/** A sink for progress events. */
export type EventSink = (event: ConfitureEvent) => void;

/** A sink that drops everything, the default for library calls. */
export const silent: EventSink = () => {};
