/**
 * What a sync says when it stops part-way: a lost connection (exit 3) or a lock it waited
 * for too long (exit 6), each naming the side, the tables finished and the tables not.
 *
 * @module
 */
import { DatabaseError } from "../db/errors.ts";
import { ConfitureError, ConnectionError, EXIT, LockError } from "../errors.ts";
import type { LockWait } from "./lock_watch.ts";

/** A connection to the source or the target was lost during the sync (exit 3). */
export class SyncConnectionLostError extends ConfitureError {
  constructor(message: string, options: { hint?: string; details: Record<string, unknown>; cause?: unknown }) {
    super("CONNECTION_LOST", EXIT.connection, message, options);
  }
}

/** Where the run stood when it stopped. */
export interface SyncProgress {
  /** `the source (prod)` and `the target (staging)`. */
  sourceSide: string;
  targetSide: string;
  sourceLabel: string;
  targetLabel: string;
  /** What was under way, e.g. `loading public.tb_user`. */
  doing: string;
  /** Tables complete in the target (this run or skipped as finished earlier), in load order. */
  done: string[];
  /** Tables still to load, in load order. */
  pending: string[];
  lockTimeoutMs: number;
  /** The last lock wait seen on each side. */
  lastWait: { source?: LockWait; target?: LockWait };
}

const RESUME_HINT =
  "Run the same sync again with --resume: finished tables are skipped, the others reload from scratch";

/**
 * Turn a lost connection or a lock timeout into the sync's own error; anything else passes
 * through unchanged.
 */
export function syncFailure(e: unknown, at: SyncProgress): unknown {
  const tables = `Finished: ${list(at.done)}. Not finished: ${list(at.pending)}.`;
  const details = { tables_done: at.done, tables_pending: at.pending };
  if (e instanceof ConnectionError) {
    const side = e.message.includes(at.targetLabel)
      ? at.targetSide
      : e.message.includes(at.sourceLabel)
      ? at.sourceSide
      : "a database";
    const reason = e.message.replace(/^(Cannot connect to|Lost the connection to) \S+: /, "");
    return new SyncConnectionLostError(
      `Lost the connection to ${side} while ${at.doing}: ${reason}. ${tables} ` +
        `What was under way was rolled back.`,
      { hint: RESUME_HINT, details: { side: sideName(side, at), ...details }, cause: e },
    );
  }
  if (e instanceof DatabaseError && e.sqlstate === "55P03") {
    // The server's message does not say which session gave up: the side seen waiting did.
    const onTarget = at.lastWait.target !== undefined || at.lastWait.source === undefined;
    const side = onTarget ? at.targetSide : at.sourceSide;
    const wait = onTarget ? at.lastWait.target : at.lastWait.source;
    const who = wait
      ? `: ${wait.lock} is held by pid ${wait.holder.pid} (${wait.holder.application_name || "unknown application"}${
        wait.holder.client_addr ? ` from ${wait.holder.client_addr}` : ""
      }, query started ${wait.holder.query_start ?? "at an unknown time"})`
      : "";
    return new LockError(
      `Gave up after ${seconds(at.lockTimeoutMs)} waiting for a lock in ${side} while ${at.doing}${who}. ` +
        `${tables} What was under way was rolled back.`,
      {
        hint: `Wait for that session to finish (or end it), then ${RESUME_HINT.charAt(0).toLowerCase()}` +
          `${RESUME_HINT.slice(1)}; --lock-timeout sets how long to wait`,
        details: { side: sideName(side, at), holder: wait?.holder ?? null, lock: wait?.lock ?? null, ...details },
        cause: e,
      },
    );
  }
  return e;
}

function sideName(side: string, at: SyncProgress): string {
  return side === at.targetSide ? "target" : side === at.sourceSide ? "source" : "unknown";
}

function list(tables: readonly string[]): string {
  return tables.length === 0 ? "none" : tables.join(", ");
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
