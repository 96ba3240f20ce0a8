/**
 * Test databases: a fresh server database per test (when CONFITURE_TEST_DATABASE_URL is set)
 * and fresh PGlite instances restored from one template per test file.
 *
 * @module
 */
import { openDatabase } from "../../src/db/open.ts";
import type { Database } from "../../src/db/database.ts";
import { parseDatabaseUrl, type ServerTarget } from "../../src/db/url.ts";
import { openPglite } from "../../src/db/pglite.ts";

/** The admin URL of the test server, or undefined when server tests are skipped. */
export const SERVER_URL: string | undefined = Deno.env.get("CONFITURE_TEST_DATABASE_URL") || undefined;

/** Deno.test `ignore` flag for server-only tests; the runner reports them as skipped. */
export const NO_SERVER = SERVER_URL === undefined;

/** Whether we can call `psql` etc. */
function adminTarget(): ServerTarget {
  const t = parseDatabaseUrl(SERVER_URL!, (n) => Deno.env.get(n));
  if (t.kind !== "server") throw new Error("CONFITURE_TEST_DATABASE_URL must be a postgres:// URL");
  return t;
}

/** Build a URL for database `name` on the test server. */
export function serverUrlFor(name: string): string {
  const t = adminTarget();
  const auth = t.password
    ? `${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}`
    : encodeURIComponent(t.user);
  const host = t.host.startsWith("/") ? "" : t.host;
  const socket = t.host.startsWith("/") ? `&host=${encodeURIComponent(t.host)}` : "";
  return `postgres://${auth}@${host}:${t.port}/${name}?sslmode=disable${socket}`;
}

/** A fresh server database; dropped (with its sessions) on dispose. */
export interface TempServerDb extends AsyncDisposable {
  name: string;
  url: string;
  /** An open connection to it (closed on dispose). */
  db: Database;
}

/** Create a uniquely named database on the test server. */
export async function freshServerDb(prefix = "cft"): Promise<TempServerDb> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = await openDatabase(adminTarget(), { max: 1 });
  try {
    await admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = serverUrlFor(name);
  const db = await openDatabase(parseDatabaseUrl(url, () => undefined));
  return {
    name,
    url,
    db,
    async [Symbol.asyncDispose]() {
      await db.close();
      await dropServerDb(name);
    },
  };
}

/** Drop a test database, terminating any sessions left on it. */
export async function dropServerDb(name: string): Promise<void> {
  const admin = await openDatabase(adminTarget(), { max: 1 });
  try {
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

let template: Promise<Blob> | undefined;

/**
 * A fresh in-memory PGlite database. The first call in a process pays for initdb (2–3 s);
 * later calls restore a saved data directory (~0.5 s).
 */
export async function freshPglite(): Promise<Database> {
  template ??= (async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const pg = new PGlite();
    await pg.waitReady;
    const blob = await pg.dumpDataDir("none");
    await pg.close();
    return blob;
  })();
  return openPglite({ kind: "pglite" }, { loadDataDir: await template });
}

/** A backend a shared test body runs on. */
export interface Backend {
  name: "pglite" | "server";
  /** Skip flag for Deno.test. */
  ignore: boolean;
  /** A fresh database with a URL the CLI can open (PGlite: a temp directory). */
  fresh(): Promise<{ db: Database; url: string } & AsyncDisposable>;
}

/** Both backends; the server one is ignored when no server is configured. */
export const BACKENDS: Backend[] = [
  {
    name: "pglite",
    ignore: false,
    async fresh() {
      const db = await freshPglite();
      return { db, url: "pglite:memory", [Symbol.asyncDispose]: () => db.close() };
    },
  },
  {
    name: "server",
    ignore: NO_SERVER,
    async fresh() {
      const t = await freshServerDb();
      return { db: t.db, url: t.url, [Symbol.asyncDispose]: () => t[Symbol.asyncDispose]() };
    },
  },
];
