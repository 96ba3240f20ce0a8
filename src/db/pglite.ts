/**
 * The Database port on embedded PGlite (PostgreSQL compiled to WASM). Loaded lazily by
 * `open.ts`, so commands against a server never pay for it.
 *
 * @module
 */
import type { Extension, PGlite } from "@electric-sql/pglite";
import type { Capabilities, Database, Queryable, ReservedSession, Row } from "./database.ts";
import { DatabaseError, normalizeDbError } from "./errors.ts";
import { inTransaction } from "./_transaction.ts";
import { describeTarget, type PgliteTarget } from "./url.ts";
import { type FileLock, lockFile } from "../platform/fs.ts";
import { LockError } from "../errors.ts";
import { loadPgliteExtensions, pgliteHasExtension } from "./pglite_extensions.ts";
import { dropTemplate, freshTemplate, keepTemplate } from "./pglite_template.ts";

/** Options for {@link openPglite}. */
export interface PgliteOpenOptions {
  // NOTICEs are not surfaced by PGlite's API, so onNotice is accepted and unused here.
  onNotice?: (message: string) => void;
  /** Start from this data-directory tarball (`dumpDataDir`), for in-memory instances. */
  loadDataDir?: Blob;
  lockTimeoutMs?: number;
  /**
   * Extensions the SQL about to run creates (`CREATE EXTENSION` names). Only these are loaded:
   * each bundle costs start time. A name PGlite does not ship throws SchemaError (exit 4).
   */
  extensions?: readonly string[];
}

/**
 * Open (creating if needed) an embedded database with the contrib extensions asked for. A
 * data directory whose database already has other extensions is reopened with those too, so
 * `migrate up` after `build --apply` finds the functions the build's extensions defined.
 */
export async function openPglite(target: PgliteTarget, options: PgliteOpenOptions = {}): Promise<Database> {
  const label = describeTarget(target);
  const wanted = [...new Set(options.extensions ?? [])];
  const extensions = await loadPgliteExtensions(wanted);
  // PGlite has no lock of its own: two processes on one data directory would both write it.
  const lock = target.dataDir ? await lockDataDir(target.dataDir, label, options.lockTimeoutMs ?? 30_000) : undefined;
  try {
    let pg = target.dataDir || options.loadDataDir
      ? await startPglite(target, options.loadDataDir, extensions, label)
      : await startFresh(target, extensions, label);
    if (target.dataDir) {
      const installed = await installedExtensions(pg, label);
      const more = installed.filter((n) => !wanted.includes(n) && pgliteHasExtension(n));
      if (more.length > 0) {
        await pg.close();
        pg = await startPglite(target, undefined, await loadPgliteExtensions([...wanted, ...more]), label);
      }
    }
    return new PgliteDatabase(pg, label, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function startPglite(
  target: PgliteTarget,
  loadDataDir: Blob | undefined,
  extensions: Record<string, Extension>,
  label: string,
): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  // One options object: `new PGlite(undefined, options)` would ignore the options.
  const pg = new PGlite({ dataDir: target.dataDir, loadDataDir, extensions });
  try {
    await pg.waitReady;
  } catch (e) {
    throw normalizeDbError(e, label);
  }
  return pg;
}

/** An in-memory cluster: from the kept fresh template when there is one (see pglite_template.ts). */
async function startFresh(target: PgliteTarget, extensions: Record<string, Extension>, label: string): Promise<PGlite> {
  const template = await freshTemplate();
  if (template) {
    try {
      return await startPglite(target, template, extensions, label);
    } catch {
      await dropTemplate(); // unreadable or from another build: initdb, and keep a new one
    }
  }
  const pg = await startPglite(target, undefined, extensions, label);
  await keepTemplate(pg);
  return pg;
}

async function installedExtensions(pg: PGlite, label: string): Promise<string[]> {
  try {
    const r = await pg.query<{ name: string }>("SELECT extname AS name FROM pg_extension");
    return r.rows.map((row) => row.name);
  } catch (e) {
    await pg.close().catch(() => {});
    throw normalizeDbError(e, label);
  }
}

async function lockDataDir(dataDir: string, label: string, timeoutMs: number): Promise<FileLock> {
  const lock = await lockFile(`${dataDir.replace(/\/+$/, "")}.lock`, timeoutMs);
  if (lock) return lock;
  throw new LockError(
    `Another process is using ${label}: waited ${Math.round(timeoutMs / 1000)} s for its lock`,
    { hint: "Let the other confiture command finish; an embedded database serves one process at a time" },
  );
}

/** One backend inside this process, its data directory locked to this handle: nothing to pipeline or share. */
const PGLITE_CAPABILITIES: Capabilities = Object.freeze({
  pipelining: false,
  asyncCommit: false,
  sessions: "one",
  shared: false,
});

const STDOUT = /\bTO\s+STDOUT\b/i;
const STDIN = /\bFROM\s+STDIN\b/i;

class PgliteDatabase implements Database, ReservedSession {
  readonly backend = "pglite" as const;
  readonly capabilities: Capabilities = PGLITE_CAPABILITIES;
  readonly pid = 0;
  #closed = false;

  constructor(private readonly pg: PGlite, readonly label: string, private readonly lock?: FileLock) {}

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      const result = await this.pg.query<T>(sql, params as unknown[]);
      return result.rows;
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pg.exec(sql);
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this, fn);
  }

  // In process there is no round trip to save: run the statements one by one.
  async execTransaction(statements: readonly string[]): Promise<void> {
    await this.exec("BEGIN");
    for (const [i, text] of statements.entries()) {
      try {
        await this.exec(text);
      } catch (e) {
        await this.exec("ROLLBACK").catch(() => {});
        if (e instanceof DatabaseError) e.statementIndex = i;
        throw e;
      }
    }
    await this.exec("COMMIT");
  }

  // PGlite exchanges COPY data as one Blob through its virtual /dev/blob device, so an
  // embedded COPY is bounded by memory; it serves laptops, not the 5M-row production path.
  copyOut(sql: string): ReadableStream<Uint8Array> {
    const run = async () => {
      const result = await this.pg.query(sql.replace(STDOUT, "TO '/dev/blob'"));
      return result.blob ? new Uint8Array(await result.blob.arrayBuffer()) : new Uint8Array();
    };
    let started = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (started) return controller.close();
        started = true;
        try {
          controller.enqueue(await run());
        } catch (e) {
          controller.error(normalizeDbError(e, this.label));
        }
      },
    });
  }

  async copyIn(sql: string, data: ReadableStream<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of data) parts.push(chunk);
    try {
      await this.pg.query(sql.replace(STDIN, "FROM '/dev/blob'"), [], { blob: new Blob(parts as BlobPart[]) });
    } catch (e) {
      throw normalizeDbError(e, this.label);
    }
  }

  // One embedded instance is one backend: the "reserved" session is the database itself.
  reserve(): Promise<ReservedSession> {
    return Promise.resolve(this);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.pg.close();
    } finally {
      this.lock?.release();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
