/**
 * The Database port on a PostgreSQL server, through npm:postgres (postgres.js).
 *
 * @module
 */
import postgres from "postgres";
import type { Database, Queryable, ReservedSession, Row, Session } from "./database.ts";
import { normalizeDbError } from "./errors.ts";
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

  async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return [...rows] as unknown as T[];
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  async exec(text: string): Promise<void> {
    try {
      await this.sql.unsafe(text).simple();
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.exec("BEGIN");
    let result: T;
    try {
      result = await fn(this);
    } catch (e) {
      await this.exec("ROLLBACK").catch(() => {});
      throw e;
    }
    await this.exec("COMMIT");
    return result;
  }

  copyOut(text: string): ReadableStream<Uint8Array> {
    const label = this.label;
    const sql = this.sql;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          iterator ??= (await sql.unsafe(text).readable())[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value instanceof Uint8Array ? value : new TextEncoder().encode(String(value)));
        } catch (e) {
          controller.error(normalizeDbError(e, label));
        }
      },
      async cancel() {
        await iterator?.return?.();
      },
    }, { highWaterMark: 4 });
  }

  async copyIn(text: string, data: ReadableStream<Uint8Array>): Promise<void> {
    let writable: Awaited<ReturnType<postgres.PendingQuery<postgres.Row[]>["writable"]>> | undefined;
    try {
      writable = await this.sql.unsafe(text).writable();
      const w = writable;
      const finished = new Promise<void>((resolve, reject) => {
        w.on("finish", resolve);
        w.on("error", reject);
      });
      for await (const chunk of data) {
        if (!w.write(chunk)) {
          await new Promise<void>((resolve, reject) => {
            w.once("drain", resolve);
            w.once("error", reject);
          });
        }
      }
      w.end();
      await finished;
    } catch (e) {
      writable?.destroy(e instanceof Error ? e : new Error(String(e)));
      throw normalizeDbError(e, this.label);
    }
  }
}

class ServerReserved extends ServerQueryable implements ReservedSession {
  constructor(sql: postgres.ReservedSql<Record<string, never>>, label: string, readonly pid: number) {
    super(sql, label);
  }
  release(): Promise<void> {
    (this.sql as postgres.ReservedSql<Record<string, never>>).release();
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

  async reserve(): Promise<ReservedSession> {
    let reserved: postgres.ReservedSql<Record<string, never>>;
    try {
      reserved = await this.pool.reserve();
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
    const session = new ServerReserved(reserved, this.label, 0);
    try {
      const [row] = await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      return new ServerReserved(reserved, this.label, Number(row.pid));
    } catch (e) {
      reserved.release();
      throw e;
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
