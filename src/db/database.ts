/**
 * The one narrow database port. The core talks to this interface and never to a driver;
 * `server.ts` (npm:postgres) and `pglite.ts` (embedded PostgreSQL) implement it.
 *
 * @module
 */

/** A result row keyed by column name. */
export type Row = Record<string, unknown>;

/** Something that can run SQL: a database, a dedicated session, or a transaction. */
export interface Queryable {
  /**
   * Run one statement with optional `$1`-style parameters and return its rows.
   * Values come back as the driver parses them; cast to text in SQL where the exact form matters.
   */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Run a script of one or more statements through the simple-query protocol, as `psql`
   * would send one file. Error positions are character offsets into `sql`.
   */
  exec(sql: string): Promise<void>;
}

/** A connection that can also stream COPY data and run transactions. */
export interface Session extends Queryable {
  /** Run `fn` inside BEGIN … COMMIT; any throw rolls back and rethrows. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** `COPY … TO STDOUT`: the server's bytes as a Web stream. */
  copyOut(sql: string): ReadableStream<Uint8Array>;
  /** `COPY … FROM STDIN`: feed the stream to the server; resolves once the server has committed the COPY. */
  copyIn(sql: string, data: ReadableStream<Uint8Array>): Promise<void>;
}

/** A session kept on one backend connection until released: for advisory locks and SET. */
export interface ReservedSession extends Session {
  /** The backend process id of this session. */
  readonly pid: number;
  /** Return the connection; session-level locks are released with it. */
  release(): Promise<void>;
  /**
   * Ask the server to cancel the statement this session runs now (what psql does on Ctrl-C);
   * the call in flight then rejects with SQLSTATE 57014. Absent where the engine cannot be
   * interrupted (PGlite): callers stop between statements instead.
   */
  cancel?(): Promise<void>;
  /**
   * Run `statements` as one transaction: BEGIN, each element as its own simple query (an
   * element may hold several statements), COMMIT. The server adapter sends them back to back
   * without waiting for replies, so a migration costs one round trip instead of one per
   * statement. Either everything commits or nothing does; on failure the thrown
   * DatabaseError's `statementIndex` names the element (an index into `statements`) and its
   * `position`, if any, counts from that element's start. The elements must not contain
   * transaction control themselves.
   *
   * With `oneMessage`, a server receives everything as a single message, which it processes
   * faster; an error then names its element only when the server reports a position.
   */
  execTransaction(statements: readonly string[], options?: { oneMessage?: boolean }): Promise<void>;
}

/** Which engine serves a database: for labels and diagnostics; decide behaviour by {@link Capabilities}. */
export type Backend = "server" | "pglite";

/**
 * What an adapter can do, declared once so callers ask for a capability instead of naming
 * an engine. The server adapter declares every capability; embedded PGlite none of them.
 */
export interface Capabilities {
  /**
   * Statements sent ahead of their replies save a round trip each (a network lies between
   * client and server). False in process, where there is no round trip to save.
   */
  readonly pipelining: boolean;
  /**
   * `synchronous_commit = off` keeps what the server acknowledged when this process is
   * killed, because the server runs elsewhere and flushes it within milliseconds. False for
   * an engine inside this process: a kill -9 would take the unflushed commits with it.
   */
  readonly asyncCommit: boolean;
  /**
   * `"many"`: `reserve()` opens another backend, so one session can watch or wait on another
   * (lock waits in `pg_locks`, a shared snapshot, a pooler probe). `"one"`: there is a single
   * backend and `reserve()` returns the database itself; no statement can wait on another.
   */
  readonly sessions: "many" | "one";
  /**
   * Whether other handles (another pool, another process, another spelling of the URL) can
   * reach this same database. False where the data is private to this handle (PGlite locks
   * its data directory): it is then never the same database as anything but itself.
   */
  readonly shared: boolean;
}

/** An open database: a pool (server) or a single embedded instance (PGlite). */
export interface Database extends Session, AsyncDisposable {
  readonly backend: Backend;
  /** What this adapter can do; constant for the life of the handle. */
  readonly capabilities: Capabilities;
  /** A printable description of the target with any password removed. */
  readonly label: string;
  /** Take a dedicated session (one backend) until it is released. */
  reserve(): Promise<ReservedSession>;
  /** Close every connection. Safe to call twice. */
  close(): Promise<void>;
}
