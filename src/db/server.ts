/**
 * The Database port on a PostgreSQL server, through npm:postgres (postgres.js).
 *
 * Connection loss (the backend terminated, the server restarted, the network cut) is the
 * adapter's to absorb, so callers see one error and never a driver crash:
 * - every pending call on a reserved session (query, exec, execTransaction, COPY) rejects
 *   with a {@link ConnectionError} (`code` `CONNECTION_LOST`) once its connection closes, and
 *   every later call rejects at once without touching the driver, and so does a session whose
 *   call failed on the loss before the socket reported its close (a write's EPIPE);
 * - `release()` of a lost session is a no-op (the pool replaces the connection), and
 *   `close()` always settles;
 * - calls on the pool itself fail with a ConnectionError while the server is away and work
 *   again once it is back (postgres.js reconnects); a call the driver rejects with the stale
 *   error of a connection's earlier backend is sent once more (`isStaleLoss`).
 * `cancel()` asks the server to cancel what a reserved session runs now (a CancelRequest on a
 * separate connection), as psql does on Ctrl-C.
 *
 * @module
 */
import postgres from "postgres";
import type { Capabilities, Database, Queryable, ReservedSession, Row, Session } from "./database.ts";
import { DatabaseError, normalizeDbError } from "./errors.ts";
import { ConnectionError } from "../errors.ts";
import { inTransaction } from "./_transaction.ts";
import { copyInStream, copyOutStream } from "./_postgres_copy.ts";
import { Activity } from "./_activity.ts";
import { packTransaction } from "./_messages.ts";
import { describeTarget, type ServerTarget } from "./url.ts";
import { connectSocket, sslOption } from "./_server_socket.ts";
import { ConnectionWatch, isStaleLoss, retryStale, SESSION_MARK } from "./_connection_watch.ts";

/** Options for opening a server connection pool. */
export interface ServerOpenOptions {
  /** Pool size; migrations need one session plus one for the lock. */
  max?: number;
  /** Receives NOTICE messages (e.g. "relation already exists, skipping"). */
  onNotice?: (message: string) => void;
  /**
   * How many pool connections to open before returning (default 1, at most `max`). They connect
   * at once, in parallel, so a caller that will need two sessions does not open the second later.
   * Opening fails only if none connects.
   */
  connections?: number;
}

type Sql = postgres.Sql<Record<string, never>>;
type AnySql =
  | postgres.Sql<Record<string, never>>
  | postgres.TransactionSql<Record<string, never>>
  | postgres.ReservedSql<Record<string, never>>;

/** Open a pool on a PostgreSQL server and check that it answers. */
export async function openServer(target: ServerTarget, options: ServerOpenOptions = {}): Promise<Database> {
  const label = describeTarget(target);
  const max = options.max ?? 4;
  const watch = new ConnectionWatch<ServerReserved>();
  const sql: Sql = postgres({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: sslOption(target.sslmode),
    max,
    idle_timeout: 30,
    connect_timeout: target.connectTimeoutSeconds ?? 10,
    // Unnamed statements keep us correct behind transaction-mode poolers.
    prepare: false,
    onnotice: (n: { message?: string }) => options.onNotice?.(String(n.message ?? "")),
    // Which pool connection serves which reserved session, so its loss fails the session's
    // calls at once: postgres.js would otherwise write to the closed socket (an uncaught
    // TypeError) or leave the calls pending forever.
    debug: (connection: number, text: string) => watch.sent(connection, text),
    onclose: (connection: number) => watch.closed(connection),
    // Our own sockets, so Nagle is off: the small message that ends a COPY FROM STDIN would
    // otherwise wait for the server's delayed ACK (~40-90 ms per COPY).
    socket: () => connectSocket(target),
    connection: {
      application_name: target.applicationName,
      ...(target.options ? { options: target.options } : {}),
    },
    // Dates and big numbers stay as the server's text: the core decides how to present them.
    types: {
      date: { to: 1184, from: [1082, 1083, 1114, 1184], serialize: (x: unknown) => String(x), parse: (x: string) => x },
    },
  } as unknown as postgres.Options<Record<string, never>>) as unknown as Sql;
  const db = new ServerDatabase(sql, label, watch);
  const connections = Math.max(1, Math.min(options.connections ?? 1, max));
  try {
    // Concurrent queries on a pool whose connections are all busy open new ones. Only one has to
    // connect: a server short of connection slots still serves what needs a single session.
    const opened = await Promise.allSettled(Array.from({ length: connections }, () => db.query("SELECT 1")));
    if (opened.every((r) => r.status === "rejected")) throw (opened[0] as PromiseRejectedResult).reason;
  } catch (e) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw e;
  }
  return db;
}

class ServerQueryable implements Session {
  constructor(protected readonly sql: AnySql, readonly label: string, protected readonly activity: Activity) {}

  /** Await a driver call; a reserved session also races it against the loss of its connection. */
  protected settle<T>(call: Promise<T>): Promise<T> {
    return this.activity.track(call);
  }

  async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      const rows = await this.settle(this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]));
      return [...rows] as unknown as T[];
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  async exec(text: string): Promise<void> {
    try {
      await this.settle(this.sql.unsafe(text).simple());
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this, fn);
  }

  copyOut(text: string): ReadableStream<Uint8Array> {
    return copyOutStream(this.sql, text, this.label, (call) => this.settle(call));
  }

  async copyIn(text: string, data: ReadableStream<Uint8Array>): Promise<void> {
    await copyInStream(this.sql, text, data, this.label, (call) => this.settle(call));
  }
}

class ServerReserved extends ServerQueryable implements ReservedSession {
  pid = 0;
  // TS-private, not #private: callers may wrap a session in a Proxy, which #fields do not survive.
  private lostError: ConnectionError | undefined;
  private onLost!: (e: ConnectionError) => void;
  private readonly lostSignal = new Promise<never>((_, reject) => (this.onLost = reject));
  /** Driver calls sent and not yet settled, for cancel(). */
  private readonly pending = new Set<{ cancel(): unknown }>();

  private released = false;

  constructor(
    sql: postgres.ReservedSql<Record<string, never>>,
    label: string,
    activity: Activity,
    private readonly watch: ConnectionWatch<ServerReserved>,
  ) {
    super(sql, label, activity);
    activity.reserved++;
    this.lostSignal.catch(() => {});
  }

  /** Whether the connection under this session has closed. */
  get lost(): boolean {
    return this.lostError !== undefined;
  }

  /** Fail every pending and later call (the connection closed). */
  markLost(): void {
    if (this.lostError) return;
    this.lostError = new ConnectionError(
      `Lost the connection to ${this.label}${this.pid ? ` (backend pid ${this.pid})` : ""}`,
      {
        code: "CONNECTION_LOST",
        hint: "The server closed the session: it was terminated, restarted, or the network failed",
      },
    );
    this.onLost(this.lostError);
  }

  protected override settle<T>(call: Promise<T>): Promise<T> {
    if (this.lostError) return Promise.reject(this.lostError);
    const q = call as unknown as { cancel(): unknown };
    this.pending.add(q);
    const done = this.activity.track(Promise.race([call, this.lostSignal]));
    done.then(() => this.pending.delete(q), (e) => {
      this.pending.delete(q);
      // A write can fail (EPIPE) before the socket reports its close: the session is lost
      // from that moment, or release() would hand the dead connection to the next caller,
      // whose query postgres.js then never settles.
      const err = normalizeDbError(e, this.label);
      if (err instanceof ConnectionError && err.code === "CONNECTION_LOST") this.markLost();
    });
    return done;
  }

  /** Identify the backend and tell the watch which connection this session is on. */
  async identify(): Promise<void> {
    const token = this.watch.register(this);
    const [row] = await this.query<{ pid: number }>(
      `${SESSION_MARK}${token}*/ SELECT pg_catalog.pg_backend_pid() AS pid`,
    );
    this.pid = Number(row.pid);
  }

  /** Ask the server to cancel whatever this session runs now; the call in flight rejects with 57014. */
  async cancel(): Promise<void> {
    if (this.lostError) return;
    // The oldest call is the one the server runs: replies come in order. Cancelling the ones
    // queued behind it would make postgres.js cancel them again once they start, hitting
    // whatever this session runs next (a ROLLBACK, the lock's release).
    const active = [...this.pending].find((q) => typeof q.cancel === "function");
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.resolve().then(() => active.cancel()).catch(() => {}),
      new Promise<void>((r) => (timer = setTimeout(r, 5000))),
    ]);
    clearTimeout(timer);
  }

  async execTransaction(statements: readonly string[], options: { oneMessage?: boolean } = {}): Promise<void> {
    if (options.oneMessage) return await this.execOneMessage(statements);
    // COMMIT rides with the last statement, after a newline that ends any trailing `--`
    // comment. BEGIN travels alone: a syntax error anywhere in a message rejects the whole
    // message, and a BEGIN rejected that way would leave the rest to run in autocommit.
    const all = ["BEGIN", ...statements.slice(0, -1), `${statements.at(-1) ?? ""}\n;\nCOMMIT`];
    // Issued without awaiting: postgres.js pipelines simple queries on a reserved connection,
    // so the whole transaction is one round trip. Once a statement fails, the server refuses
    // the rest of the block, including the COMMIT of the last message.
    const settled = await Promise.allSettled(
      all.map((text) => this.settle(this.sql.unsafe(text).simple() as unknown as Promise<{ command?: string }>)),
    );
    const failed = settled.findIndex((r) => r.status === "rejected");
    if (failed < 0) {
      // The last message's result carries its last command: COMMIT, or ROLLBACK when the
      // server could not commit. (With several row sets it is a list of results.)
      const value = (settled[settled.length - 1] as PromiseFulfilledResult<{ command?: string }>).value;
      const command = value.command ?? (value as unknown as { command?: string }[]).at?.(-1)?.command;
      if (command?.toUpperCase() !== "COMMIT") {
        throw new DatabaseError({ message: "the transaction was rolled back by the server", sqlstate: "40000" });
      }
      return;
    }
    // The last message failed, so its COMMIT never ran: the block is still open.
    if (this.lost) throw this.lostError;
    await this.settle(this.sql.unsafe("ROLLBACK").simple()).catch(() => {});
    const err = normalizeDbError((settled[failed] as PromiseRejectedResult).reason, this.label);
    if (err instanceof DatabaseError && failed >= 1 && failed <= statements.length) err.statementIndex = failed - 1;
    throw err;
  }
  // BEGIN travels alone and the statements in a few large messages after it (see
  // _messages.ts). An error (a syntax error rejects its whole message) aborts the transaction:
  // the server refuses the messages after it, and COMMIT, which rides with the last
  // statements, never runs.
  private async execOneMessage(statements: readonly string[]): Promise<void> {
    const packed = packTransaction(statements);
    // Issued without awaiting, as one batch: a migration pipelined behind this one must not
    // slip its messages in between these.
    let failed: { index: number; error: unknown } | undefined;
    let last: unknown;
    await Promise.all(packed.messages.map((text, index) =>
      this.settle(this.sql.unsafe(text).simple()).then(
        (value) => {
          if (index === packed.messages.length - 1) last = value;
        },
        (error) => {
          if (!failed || index < failed.index) failed = { index, error };
        },
      )
    ));
    if (failed) {
      if (this.lost) throw this.lostError;
      await this.settle(this.sql.unsafe("ROLLBACK").simple()).catch(() => {});
      const err = normalizeDbError(failed.error, this.label);
      if (err instanceof DatabaseError && err.position !== undefined) {
        const at = packed.locate(failed.index, err.position);
        err.statementIndex = at?.statement;
        err.position = at?.position;
      }
      throw err;
    }
    const result = last as { command?: string } & { command?: string }[];
    const command = result?.command ?? result?.at?.(-1)?.command;
    if (command?.toUpperCase() !== "COMMIT") {
      throw new DatabaseError({ message: "the transaction was rolled back by the server", sqlstate: "40000" });
    }
  }

  release(): Promise<void> {
    if (!this.released) this.activity.reserved--;
    this.released = true;
    this.watch.forget(this);
    // A lost connection is already back in the pool's closed queue; releasing it would put the
    // dead connection among the open ones.
    if (!this.lost) (this.sql as postgres.ReservedSql<Record<string, never>>).release();
    return Promise.resolve();
  }
}

/** A pool of connections to a server in another process, usually across a network. */
const SERVER_CAPABILITIES: Capabilities = Object.freeze({
  pipelining: true,
  asyncCommit: true,
  sessions: "many",
  shared: true,
});

class ServerDatabase extends ServerQueryable implements Database {
  readonly backend = "server" as const;
  readonly capabilities: Capabilities = SERVER_CAPABILITIES;
  #closed = false;

  constructor(private readonly pool: Sql, label: string, private readonly watch: ConnectionWatch<ServerReserved>) {
    super(pool, label, new Activity());
  }

  // A pool call may land on a connection a terminated backend left stale: see isStaleLoss.
  override query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return retryStale(() => super.query<T>(text, params));
  }

  override exec(text: string): Promise<void> {
    return retryStale(() => super.exec(text));
  }

  override async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let began = false;
    const attempt = () =>
      this.pool.begin((tx) => (began = true, fn(new ServerQueryable(tx, this.label, this.activity)))) as Promise<T>;
    try {
      return await this.activity.track(
        attempt().catch((e) => began || !isStaleLoss(e) ? Promise.reject(e) : attempt()),
      );
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  // postgres.js pipelines queries onto busy connections; a COPY must own its connection, or a
  // COPY OUT feeding a COPY IN on the same pool can queue behind it and deadlock.
  override copyOut(text: string): ReadableStream<Uint8Array> {
    let session: ReservedSession | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    // Cancelling resolves a pending read as done before the inner stream has drained its COPY:
    // only cancel() may then release the session, or the pool would get it back mid-COPY.
    let cancelling = false;
    let pulling: Promise<void> | undefined;
    const release = async () => {
      const s = session;
      session = undefined;
      await s?.release();
    };
    const pull = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
      try {
        if (!reader) {
          const reserved = await this.reserve();
          if (cancelling) return await reserved.release();
          session = reserved;
          reader = session.copyOut(text).getReader();
        }
        const { value, done } = await reader.read();
        if (cancelling) return;
        if (done) {
          await release();
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        if (cancelling) return;
        await release();
        controller.error(e);
      }
    };
    return new ReadableStream<Uint8Array>({
      pull: (controller) => (pulling = pull(controller)),
      cancel: async (reason) => {
        cancelling = true;
        await reader?.cancel(reason).catch(() => {});
        await pulling?.catch(() => {});
        await release();
      },
    });
  }

  override async copyIn(text: string, data: ReadableStream<Uint8Array>): Promise<void> {
    const session = await this.reserve();
    try {
      await session.copyIn(text, data);
    } finally {
      await session.release();
    }
  }

  async reserve(): Promise<ReservedSession> {
    let reserved: postgres.ReservedSql<Record<string, never>>;
    try {
      reserved = await retryStale(() => this.pool.reserve());
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
    const session = new ServerReserved(reserved, this.label, this.activity, this.watch);
    try {
      await session.identify();
      return session;
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // postgres.js keeps a lost connection's last query and would wait the whole timeout for it.
    // An idle pool sends each backend its Terminate and returns: waiting for the backends to
    // exit and close their sockets took ~15 ms of every command (psql does not wait either).
    // Work still in hand gets the grace period to finish.
    await this.pool.end({ timeout: this.watch.lostAny || this.activity.idle ? 0 : 5 });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
