/**
 * Which pool connection a reserved session of the server adapter got, so that the session fails
 * at once when its connection closes (postgres.js reports sends and closes per connection id,
 * not per reserved handle). Kept apart from server.ts, which holds the sessions themselves.
 *
 * @module
 */

/** A session that can be told its connection is gone. */
export interface LostSession {
  markLost(): void;
}

/** The marker that lets {@link ConnectionWatch} see which connection a reserved session got. */
export const SESSION_MARK = "/*confiture-session:";

/** Maps pool connections to the reserved sessions on them; fails a session when its connection closes. */
export class ConnectionWatch<S extends LostSession> {
  readonly #byToken = new Map<string, S>();
  readonly #byConnection = new Map<number, S>();
  #next = 1;
  /** Whether a connection has closed (lost, or idle): then close() need not wait for it. */
  lostAny = false;

  /** A token to put in the session's first query, as `${SESSION_MARK}token*\/`. */
  register(session: S): string {
    const token = String(this.#next++);
    this.#byToken.set(token, session);
    return token;
  }

  /** Called by postgres.js for every query it sends (its `debug` hook). */
  sent(connection: number, text: string): void {
    if (!text.startsWith(SESSION_MARK)) return;
    const token = text.slice(SESSION_MARK.length, text.indexOf("*/"));
    const session = this.#byToken.get(token);
    if (!session) return;
    this.#byToken.delete(token);
    this.#byConnection.set(connection, session);
  }

  /** Called by postgres.js when a connection closes, whatever the reason. */
  closed(connection: number): void {
    this.lostAny = true;
    const session = this.#byConnection.get(connection);
    if (!session) return;
    this.#byConnection.delete(connection);
    session.markLost();
  }

  forget(session: S): void {
    for (const [id, s] of this.#byConnection) if (s === session) this.#byConnection.delete(id);
    for (const [token, s] of this.#byToken) if (s === session) this.#byToken.delete(token);
  }
}

/**
 * Whether a call failed on an error a backend sent before it was terminated, not on its own.
 * postgres.js 3.4.x (checked on 3.4.9 and 3.4.10) keeps a terminated backend's FATAL error in
 * the connection object, and the pool reconnects that object for a later call, which is then
 * rejected with the old error before it was sent. A genuine loss reaches the call running at
 * the time as CONNECTION_CLOSED or a socket error, never as this FATAL server error, so a
 * call failing this way never ran and may be sent again.
 */
export function isStaleLoss(e: unknown): boolean {
  for (let err = e as { name?: unknown; severity?: unknown; code?: unknown; cause?: unknown } | undefined; err;) {
    if (err.name === "PostgresError") {
      return err.severity === "FATAL" && /^57P0[125]$/.test(String(err.code));
    }
    err = err.cause as typeof err;
  }
  return false;
}

/** Run `call`; once more if it failed on a stale loss ({@link isStaleLoss}). */
export async function retryStale<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!isStaleLoss(e)) throw e;
    return await call();
  }
}
