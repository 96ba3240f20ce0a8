/**
 * The Database port on a PostgreSQL server, through npm:postgres (postgres.js).
 *
 * @module
 */
import postgres from "postgres";
import { Readable } from "node:stream";
import { connect as netConnect, type Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import type { Database, Queryable, ReservedSession, Row, Session } from "./database.ts";
import { DatabaseError, normalizeDbError } from "./errors.ts";
import { ConnectionError } from "../errors.ts";
import { inTransaction } from "./_transaction.ts";
import { describeTarget, type ServerTarget } from "./url.ts";

/** Options for opening a server connection pool. */
export interface ServerOpenOptions {
  /** Pool size; migrations need one session plus one for the lock. */
  max?: number;
  /** Receives NOTICE messages (e.g. "relation already exists, skipping"). */
  onNotice?: (message: string) => void;
}

type Sql = postgres.Sql<Record<string, never>>;
type AnySql =
  | postgres.Sql<Record<string, never>>
  | postgres.TransactionSql<Record<string, never>>
  | postgres.ReservedSql<Record<string, never>>;

/** Open a pool on a PostgreSQL server and check that it answers. */
export async function openServer(target: ServerTarget, options: ServerOpenOptions = {}): Promise<Database> {
  const label = describeTarget(target);
  const sql: Sql = postgres({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: sslOption(target.sslmode),
    max: options.max ?? 4,
    idle_timeout: 30,
    connect_timeout: target.connectTimeoutSeconds ?? 10,
    // Unnamed statements keep us correct behind transaction-mode poolers.
    prepare: false,
    onnotice: (n: { message?: string }) => options.onNotice?.(String(n.message ?? "")),
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
  const db = new ServerDatabase(sql, label);
  try {
    await db.query("SELECT 1");
  } catch (e) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw e;
  }
  return db;
}

async function connectSocket(target: ServerTarget): Promise<Socket> {
  const socket = target.host.startsWith("/")
    ? netConnect({ path: `${target.host}/.s.PGSQL.${target.port}` })
    : netConnect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

function sslOption(mode: ServerTarget["sslmode"]): postgres.Options<Record<string, never>>["ssl"] {
  switch (mode) {
    case "disable":
      return false;
    case "allow":
    case "prefer":
      return "prefer";
    case "require":
      return "require";
    default:
      return "verify-full";
  }
}

class ServerQueryable implements Session {
  constructor(protected readonly sql: AnySql, readonly label: string) {}

  /** Throws when the connection is known to be gone (see ServerReserved). */
  protected assertOpen(): void {}

  /** Normalise a driver error; a reserved session also notes one that ended its connection. */
  protected fail(e: unknown): unknown {
    return normalizeDbError(e, this.label);
  }

  async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      this.assertOpen();
      const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return [...rows] as unknown as T[];
    } catch (e) {
      throw this.fail(e);
    }
  }

  async exec(text: string): Promise<void> {
    try {
      this.assertOpen();
      await this.sql.unsafe(text).simple();
    } catch (e) {
      throw this.fail(e);
    }
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this, fn);
  }

  copyOut(text: string): ReadableStream<Uint8Array> {
    const sql = this.sql;
    const assertOpen = () => this.assertOpen();
    const fail = (e: unknown) => this.fail(e);
    type CopyStream = import("node:stream").Readable & { _read?: () => void };
    let query: (Promise<unknown> & { cancel(): unknown; readable(): Promise<CopyStream> }) | undefined;
    let readable: CopyStream | undefined;
    let ended = false;
    let cancelled = false;
    // postgres.js pauses the socket when the stream's buffer is full and resumes it only from
    // the stream's read(); if the pause lands on the last rows, nothing reads again and the
    // connection stays paused. Resuming once the stream has ended keeps it usable.
    // After a lost connection postgres.js has no socket left to resume and throws from an
    // event handler (an uncaught TypeError); the stream reports the loss on its own.
    const resumeSocket = () => {
      try {
        readable?._read?.();
      } catch {
        // the connection is gone
      }
    };
    // postgres.js pushes one chunk per CopyData message (a row). They are gathered into
    // ~64 KiB chunks from 'data' events, with no promise per row; the Node stream is paused
    // while the web stream's queue is full and resumed from pull().
    let chunk = new Uint8Array(COPY_CHUNK);
    let size = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (readable) {
          readable.resume();
          return;
        }
        const flush = () => {
          if (size === 0) return;
          controller.enqueue(chunk.subarray(0, size));
          chunk = new Uint8Array(COPY_CHUNK);
          size = 0;
        };
        try {
          assertOpen();
          query = sql.unsafe(text) as unknown as typeof query;
          readable = await query!.readable();
        } catch (e) {
          controller.error(fail(e));
          return;
        }
        readable.on("data", (data: Uint8Array) => {
          if (size + data.length > COPY_CHUNK) {
            flush();
            // A row longer than a chunk moves on whole.
            if (data.length > COPY_CHUNK) return controller.enqueue(data);
          }
          chunk.set(data, size);
          size += data.length;
          if (size >= COPY_CHUNK - 1024) flush();
          if ((controller.desiredSize ?? 1) <= 0) readable!.pause();
        });
        readable.once("end", () => {
          ended = true;
          if (cancelled) return;
          flush();
          resumeSocket();
          controller.close();
        });
        readable.once("error", (e: unknown) => {
          ended = true;
          resumeSocket();
          if (cancelled) return;
          controller.error(fail(e));
        });
      },
      async cancel() {
        // Stop the server, then drain what is already in flight: an abandoned COPY OUT would
        // leave the connection paused mid-stream for the next query.
        cancelled = true;
        if (!readable || ended) return;
        const stream = readable;
        query?.cancel();
        query?.catch(() => {});
        await new Promise<void>((resolve) => {
          stream.removeAllListeners("data");
          stream.on("data", () => {});
          stream.once("end", resolve);
          stream.once("error", () => resolve());
          stream.once("close", () => resolve());
          stream.resume();
        });
        resumeSocket();
      },
    }, { highWaterMark: 2 });
  }

  async copyIn(text: string, data: ReadableStream<Uint8Array>): Promise<void> {
    try {
      this.assertOpen();
    } catch (e) {
      await data.cancel(e).catch(() => {});
      throw e;
    }
    const query = this.sql.unsafe(text) as unknown as Promise<unknown> & {
      writable(): Promise<import("node:stream").Writable>;
      reject: (e: unknown) => void;
    };
    try {
      const writable = await query.writable();
      // postgres.js resolves the query with the stream, so an error the server reports after
      // the data (a constraint violated mid-COPY) would reach only the already-settled promise
      // and the stream would never finish. Catch it where postgres.js reports it.
      let serverFailed!: (e: unknown) => void;
      const failure = new Promise<never>((_, reject) => (serverFailed = reject));
      const originalReject = query.reject;
      query.reject = (e: unknown) => {
        serverFailed(e);
        originalReject(e);
      };
      const source = Readable.fromWeb(data as import("node:stream/web").ReadableStream<Uint8Array>);
      try {
        await Promise.race([pipeline(source, writable), failure]);
      } catch (e) {
        source.destroy();
        throw e;
      }
    } catch (e) {
      throw this.fail(e);
    }
  }
}

const COPY_CHUNK = 64 * 1024;

// Driver codes of a dead socket, and the SQLSTATEs a server sends as it ends the session.
const DEAD_CONNECTION = /^(EPIPE|ECONNRESET|CONNECTION_CLOSED|CONNECTION_DESTROYED|CONNECTION_ENDED|57P0[123])$/;

/** Whether a raw driver error means the session's connection is over. */
function endsConnection(e: unknown): boolean {
  const err = e as { code?: unknown; severity?: unknown } | null;
  return typeof err?.code === "string" && DEAD_CONNECTION.test(err.code) || err?.severity === "FATAL";
}

/**
 * The pool slot behind a reserved session, as postgres.js passes it to a query's `onexecute`.
 * postgres.js clears `reserved` when the slot's socket closes, and may then reconnect the slot
 * for another caller.
 */
interface PoolSlot {
  reserved: unknown;
}

class ServerReserved extends ServerQueryable implements ReservedSession {
  constructor(
    sql: postgres.ReservedSql<Record<string, never>>,
    label: string,
    readonly pid: number,
    private readonly slot?: PoolSlot,
  ) {
    super(sql, label);
  }

  #broken = false;

  /**
   * The connection is gone: the server closed it (terminated backend, restart, network), or
   * an operation failed in a way that always ends it, even if the socket has not closed yet.
   */
  get lost(): boolean {
    return this.#broken || (this.slot !== undefined && this.slot.reserved == null);
  }

  protected override fail(e: unknown): unknown {
    if (endsConnection(e)) this.#broken = true;
    return super.fail(e);
  }

  // postgres.js writes a query on a closed reserved connection to a socket it no longer has:
  // an uncaught TypeError from a timer, or a query that never settles. Refuse it here instead.
  protected override assertOpen(): void {
    if (this.lost) {
      throw new ConnectionError(`Lost the connection to ${this.label}: the server closed it`, {
        details: { pid: this.pid },
      });
    }
  }

  async execTransaction(statements: readonly string[], options: { oneMessage?: boolean } = {}): Promise<void> {
    this.assertOpen();
    if (options.oneMessage) return await this.#execOneMessage(statements);
    // COMMIT rides with the last statement, after a newline that ends any trailing `--`
    // comment. BEGIN travels alone: a syntax error anywhere in a message rejects the whole
    // message, and a BEGIN rejected that way would leave the rest to run in autocommit.
    const all = ["BEGIN", ...statements.slice(0, -1), `${statements.at(-1) ?? ""}\n;\nCOMMIT`];
    // Issued without awaiting: postgres.js pipelines simple queries on a reserved connection,
    // so the whole transaction is one round trip. Once a statement fails, the server refuses
    // the rest of the block, including the COMMIT of the last message.
    const settled = await Promise.allSettled(
      all.map((text) => this.sql.unsafe(text).simple() as unknown as Promise<{ command?: string }>),
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
    const err = this.fail((settled[failed] as PromiseRejectedResult).reason);
    if (!this.lost) await this.sql.unsafe("ROLLBACK").simple().catch(() => {});
    if (err instanceof DatabaseError && failed >= 1 && failed <= statements.length) err.statementIndex = failed - 1;
    throw err;
  }
  // A syntax error rejects the whole message before BEGIN runs, so nothing runs at all; any
  // other error aborts the transaction and skips the rest, COMMIT included.
  async #execOneMessage(statements: readonly string[]): Promise<void> {
    const head = "BEGIN;\n";
    const sep = "\n;\n";
    const starts: number[] = [];
    let at = head.length;
    for (const s of statements) {
      starts.push(at);
      at += [...s].length + sep.length;
    }
    let value: { command?: string };
    try {
      value = await this.sql.unsafe(`${head}${statements.join(sep)}${sep}COMMIT`).simple() as unknown as {
        command?: string;
      };
    } catch (e) {
      const err = this.fail(e);
      if (!this.lost) await this.sql.unsafe("ROLLBACK").simple().catch(() => {});
      if (err instanceof DatabaseError && err.position !== undefined) {
        // Server positions count characters from 1 over the whole message.
        const offset = err.position - 1;
        const i = starts.findLastIndex((s) => s <= offset);
        if (i >= 0 && offset < starts[i] + [...statements[i]].length) {
          err.statementIndex = i;
          err.position = offset - starts[i] + 1;
        } else err.position = undefined;
      }
      throw err;
    }
    const command = value.command ?? (value as unknown as { command?: string }[]).at?.(-1)?.command;
    if (command?.toUpperCase() !== "COMMIT") {
      throw new DatabaseError({ message: "the transaction was rolled back by the server", sqlstate: "40000" });
    }
  }

  release(): Promise<void> {
    // A lost slot is already back in the pool (closed, or reconnected for someone else);
    // releasing it again would list it as open and idle.
    if (!this.lost) (this.sql as postgres.ReservedSql<Record<string, never>>).release();
    return Promise.resolve();
  }
}

class ServerDatabase extends ServerQueryable implements Database {
  readonly backend = "server" as const;
  #closed = false;

  constructor(private readonly pool: Sql, label: string) {
    super(pool, label);
  }

  override async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.pool.begin((tx) => fn(new ServerQueryable(tx, this.label))) as T;
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  // postgres.js pipelines queries onto busy connections; a COPY must own its connection, or a
  // COPY OUT feeding a COPY IN on the same pool can queue behind it and deadlock.
  override copyOut(text: string): ReadableStream<Uint8Array> {
    let session: ReservedSession | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const release = async () => {
      const s = session;
      session = undefined;
      await s?.release();
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          if (!reader) {
            session = await this.reserve();
            reader = session.copyOut(text).getReader();
          }
          const { value, done } = await reader.read();
          if (done) {
            await release();
            controller.close();
          } else controller.enqueue(value);
        } catch (e) {
          await release();
          controller.error(e);
        }
      },
      cancel: async (reason) => {
        await reader?.cancel(reason).catch(() => {});
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
      reserved = await this.pool.reserve();
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
    try {
      // `onexecute` hands over the connection the query went to: the slot whose state says
      // whether this session's connection is still there (it must return true).
      let slot: PoolSlot | undefined;
      const onexecute = (c: PoolSlot) => (slot = c, true);
      const [row] = await reserved.unsafe("SELECT pg_backend_pid() AS pid", [], { onexecute } as never);
      return new ServerReserved(reserved, this.label, Number(row.pid), slot);
    } catch (e) {
      reserved.release();
      throw normalizeDbError(e, this.label);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end({ timeout: 5 });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
