/**
 * The Database port behaves the same on PGlite and on the server.
 */
import { assert, assertEquals, assertRejects } from "./_helpers/assert.ts";
import { BACKENDS } from "./_helpers/db.ts";
import { DatabaseError } from "../src/db/errors.ts";
import { openPglite } from "../src/db/pglite.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { isSameDatabase } from "../src/db/identity.ts";
import type { Capabilities } from "../src/db/database.ts";
import { LockError } from "../src/errors.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { waitUntil } from "./_helpers/faults.ts";
import { Migrator } from "../src/migrate/migrator.ts";

// What each adapter declares; callers branch on these, never on `backend`.
const DECLARED: Record<string, Capabilities> = {
  pglite: { pipelining: false, asyncCommit: false, sessions: "one", shared: false },
  server: { pipelining: true, asyncCommit: true, sessions: "many", shared: true },
};

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] declares its capabilities, and behaves as they say`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const db = t.db;
      assertEquals({ ...db.capabilities }, DECLARED[backend.name]);
      const [a, b] = [await db.reserve(), await db.reserve()];
      try {
        if (db.capabilities.sessions === "one") {
          assert(
            (a as unknown) === db && (b as unknown) === db,
            "one backend: reserve() hands out the database itself",
          );
        } else {
          assert(a.pid !== b.pid, "many: each reserved session is its own backend");
          const seen = await b.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE pid = $1",
            [a.pid],
          );
          assertEquals(seen[0].n, 1, "one session can watch another in the catalog");
        }
      } finally {
        await b.release();
        await a.release();
      }
      if (db.capabilities.shared) {
        // Another pool on the same URL reaches the same database, and the probe says so.
        const other = await openDatabase(parseDatabaseUrl(t.url, () => undefined));
        try {
          assertEquals(await isSameDatabase(db, other), true);
        } finally {
          await other.close();
        }
      } else {
        const other = await openPglite({ kind: "pglite" });
        try {
          assertEquals(await isSameDatabase(db, other), false);
          assertEquals(await isSameDatabase(db, db), true);
        } finally {
          await other.close();
        }
      }
    },
  });

  Deno.test({
    name: `[${backend.name}] query, exec, transaction rollback, and error facts`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const db = t.db;
      await db.exec("CREATE TABLE t (id int PRIMARY KEY, s text); INSERT INTO t VALUES (1, 'a')");
      assertEquals(await db.query("SELECT s FROM t WHERE id = $1", [1]), [{ s: "a" }]);
      await assertRejects(() =>
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO t VALUES (2, 'b')");
          await tx.exec("INSERT INTO t VALUES (1, 'dup')");
        }), DatabaseError);
      assertEquals((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM t"))[0].n, 1);
      const e = await assertRejects(() => db.exec("SELECT 1;\nSELECT nope FROM t"), DatabaseError) as DatabaseError;
      assertEquals([e.sqlstate, e.position], ["42703", 18]);
      const session = await db.reserve();
      await session.exec("SET application_name = 'port-test'");
      assertEquals(
        (await session.query<{ a: string }>("SELECT current_setting('application_name') AS a"))[0].a,
        "port-test",
      );
      await session.release();
    },
  });

  Deno.test({
    name: `[${backend.name}] execTransaction commits all or nothing and names the failing statement`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const session = await t.db.reserve();
      try {
        // More statements than postgres.js pipelines at once (100), so the queue path runs too.
        const inserts = Array.from({ length: 150 }, (_, i) => `INSERT INTO t VALUES (${i})`);
        await session.execTransaction(["CREATE TABLE t (id int PRIMARY KEY)", ...inserts]);
        assertEquals((await session.query<{ n: number }>("SELECT count(*)::int AS n FROM t"))[0].n, 150);
        const e = await assertRejects(
          () =>
            session.execTransaction([
              "CREATE TABLE u (id int)",
              "INSERT INTO t VALUES (1000)",
              "INSERT INTO t VALUES (1)",
              "INSERT INTO t VALUES (1001)",
            ]),
          DatabaseError,
        ) as DatabaseError;
        assertEquals([e.sqlstate, e.statementIndex], ["23505", 2]);
        const [after] = await session.query<{ n: number; u: string | null; tx: string | null }>(
          "SELECT (SELECT count(*)::int FROM t) AS n, to_regclass('u')::text AS u, txid_current_if_assigned()::text AS tx",
        );
        assertEquals(after, { n: 150, u: null, tx: null }, "nothing committed and no transaction left open");
        const syntax = await assertRejects(
          () => session.execTransaction(["SELECT 1", "SELEC 2"]),
          DatabaseError,
        ) as DatabaseError;
        assertEquals([syntax.sqlstate, syntax.statementIndex, syntax.position], ["42601", 1, 1]);
        // The server sends COMMIT with the last element: a trailing line comment must not swallow it.
        await session.execTransaction(["CREATE TABLE v (id int)", "INSERT INTO v VALUES (1) -- no newline after this"]);
        const last = await assertRejects(
          () => session.execTransaction(["INSERT INTO v VALUES (2)", "INSERT INTO v VALUES ('x')"]),
          DatabaseError,
        ) as DatabaseError;
        assertEquals([last.sqlstate, last.statementIndex], ["22P02", 1]);
        const [v] = await session.query<{ n: number; tx: string | null }>(
          "SELECT (SELECT count(*)::int FROM v) AS n, txid_current_if_assigned()::text AS tx",
        );
        assertEquals(v, { n: 1, tx: null }, "the first commit held; the failed one left nothing open");

        // As one message: an error with a position names its element, counted from its start.
        const one = { oneMessage: true };
        await session.execTransaction(["CREATE TABLE w (id int UNIQUE)", "INSERT INTO w VALUES (1) -- end"], one);
        const placed = await assertRejects(
          () => session.execTransaction(["INSERT INTO w VALUES (2)", "SELECT nope FROM w"], one),
          DatabaseError,
        ) as DatabaseError;
        assertEquals([placed.sqlstate, placed.statementIndex, placed.position], ["42703", 1, 8]);
        // Without a position only an adapter that ran the elements one by one can tell which.
        const unplaced = await assertRejects(
          () => session.execTransaction(["INSERT INTO w VALUES (3)", "INSERT INTO w VALUES (1)"], one),
          DatabaseError,
        ) as DatabaseError;
        assertEquals(
          [unplaced.sqlstate, unplaced.statementIndex],
          ["23505", backend.name === "server" ? undefined : 1],
        );
        const [w] = await session.query<{ ids: number[]; tx: string | null }>(
          "SELECT (SELECT array_agg(id ORDER BY id) FROM w) AS ids, txid_current_if_assigned()::text AS tx",
        );
        assertEquals(w, { ids: [1], tx: null }, "a failed message leaves nothing behind and no block open");

        // Past ~1 MB the elements travel in several messages: a failure in a later one still
        // names its element and position, and nothing of the earlier messages commits.
        const rows = Array.from({ length: 30_000 }, (_, i) => `INSERT INTO w VALUES (${i + 10}) -- 😀 row ${i}`);
        for (
          const [bad, sqlstate, position] of [["SELECT nope FROM w", "42703", 8], ["SELEC 2", "42601", 1]] as const
        ) {
          const late = await assertRejects(
            () => session.execTransaction([...rows, "SELECT '😀' AS x", bad, "INSERT INTO w VALUES (5)"], one),
            DatabaseError,
          ) as DatabaseError;
          assertEquals([late.sqlstate, late.statementIndex, late.position], [sqlstate, rows.length + 1, position]);
          const [after] = await session.query<{ n: number; tx: string | null }>(
            "SELECT (SELECT count(*)::int FROM w) AS n, txid_current_if_assigned()::text AS tx",
          );
          assertEquals(after, { n: 1, tx: null }, `${bad}: nothing committed and no block left open`);
        }
        await session.execTransaction([...rows, "INSERT INTO w VALUES (5) -- the last one"], one);
        const [all] = await session.query<{ n: number }>("SELECT count(*)::int AS n FROM w");
        assertEquals(all.n, rows.length + 2, "a transaction of several messages commits whole");
      } finally {
        await session.release();
      }
    },
  });

  Deno.test({
    name: `[${backend.name}] COPY out of one table and into another as Web streams; errors surface`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const db = t.db;
      await db.exec(`CREATE TABLE src AS SELECT g AS id, 'row ' || g || E'\\ttab' AS s FROM generate_series(1, 20000) g;
        CREATE TABLE dst (id int, s text); CREATE TABLE strict (id int CHECK (id < 100), s text)`);
      await db.copyIn("COPY dst FROM STDIN", db.copyOut("COPY src TO STDOUT"));
      const [row] = await db.query<{ n: number; same: boolean }>(
        "SELECT count(*)::int AS n, bool_and(d.s = s.s) AS same FROM dst d JOIN src s USING (id)",
      );
      assertEquals([row.n, row.same], [20000, true]);
      const err = await assertRejects(
        () => db.copyIn("COPY strict FROM STDIN", db.copyOut("COPY src TO STDOUT")),
        DatabaseError,
      );
      assertEquals((err as DatabaseError).sqlstate, "23514");
      assertEquals((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM strict"))[0].n, 0);
      assert((await db.query("SELECT 1 AS ok")).length === 1, "the connection stays usable");
    },
  });
}

Deno.test("[pglite] a data directory serves one process at a time: a second opener waits, then fails with exit 6", async () => {
  const dir = await Deno.makeTempDir({ prefix: "confiture_pglite_lock_" });
  try {
    const first = await openPglite({ kind: "pglite", dataDir: `${dir}/db` });
    await first.exec("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)");
    const err = await assertRejects(
      () => openPglite({ kind: "pglite", dataDir: `${dir}/db` }, { lockTimeoutMs: 300 }),
      LockError,
    ) as LockError;
    assertEquals(err.exitCode, 6);
    assert(err.message.includes(`pglite:${dir}/db`), err.message);
    await first.close();
    // Released with the first handle: the next opener gets in and sees the data.
    const second = await openPglite({ kind: "pglite", dataDir: `${dir}/db` }, { lockTimeoutMs: 10_000 });
    assertEquals(await second.query("SELECT id FROM kept"), [{ id: 1 }]);
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "[server] `connections` opens that many backends at once; a Migrator opens its lock pair with the pool",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    // Backends of the database other than the one asking.
    const others = async () =>
      (await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      ))[0].n;
    const target = parseDatabaseUrl(t.url, () => undefined);
    const one = await openDatabase(target);
    assertEquals(await others(), 1, "one by default");
    await one.close();
    // Closing an idle pool does not wait for its backends to exit.
    await waitUntil("the first pool's backend to exit", async () => (await others()) === 0, 2500);
    const two = await openDatabase(target, { connections: 2 });
    assertEquals(await others(), 2, "both connected before openDatabase returns");
    await two.close();
    await waitUntil("the second pool's backends to exit", async () => (await others()) === 0, 2500);
    // The first locked run probes for a pooler on two sessions: neither connects then.
    await using _migrator = await Migrator.fromConfig(t.url);
    assertEquals(await others(), 2);
  },
});

Deno.test({
  name: "[server] close() lets work in hand finish: a query, a transaction, a reserved session's call",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    const target = parseDatabaseUrl(t.url, () => undefined);
    await t.db.exec("CREATE TABLE closing (n int)");
    // Each close() below starts while the server is still sleeping inside the work: an idle
    // pool would be torn down at once, which here would destroy the work.
    const pool = await openDatabase(target);
    const query = pool.query<{ n: number }>("SELECT n FROM (SELECT pg_sleep(0.3), 1 AS n) s");
    await pool.close();
    assertEquals((await query)[0].n, 1);

    const txPool = await openDatabase(target);
    const tx = txPool.transaction(async (q) => {
      await q.exec("SELECT pg_sleep(0.3)");
      await q.exec("INSERT INTO closing VALUES (2)");
    });
    await new Promise((r) => setTimeout(r, 50));
    await txPool.close();
    await tx;

    const sessionPool = await openDatabase(target);
    const session = await sessionPool.reserve();
    const call = session.exec("SELECT pg_sleep(0.3); INSERT INTO closing VALUES (3)");
    const closed = sessionPool.close();
    await call;
    await session.release();
    await closed;
    assertEquals(await t.db.query("SELECT n FROM closing ORDER BY n"), [{ n: 2 }, { n: 3 }]);
  },
});

Deno.test({
  name: "[server] a role allowed one connection still opens a Migrator, and reads its status",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    const role = `${t.name}_one`;
    await t.db.exec(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1; GRANT ALL ON SCHEMA public TO ${role}`);
    try {
      const url = new URL(t.url);
      url.username = role;
      await using m = await Migrator.fromConfig(url.toString());
      assertEquals((await m.status()).initialized, false);
    } finally {
      await t.db.exec(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      // Its backend may still be closing.
      await waitUntil(
        `${role}'s backend to end`,
        async () => (await t.db.query("SELECT 1 FROM pg_stat_activity WHERE usename = $1", [role])).length === 0,
        2500,
      ).catch(() => {});
      await t.db.exec(`DROP ROLE ${role}`);
    }
  },
});
