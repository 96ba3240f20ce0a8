/**
 * Faults during `migrate up`/`down`/`status`, injected for real: the backend terminated, the
 * server restarted, SIGINT/SIGTERM to the CLI. Each ends with a documented exit code, one JSON
 * envelope, a message saying what is applied, and a rerun that recovers by itself.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import {
  advisoryLocksIn,
  backends,
  canStartCluster,
  spawnCli,
  startCluster,
  terminateWhenRunning,
  waitUntil,
} from "./_helpers/faults.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

// 002 sleeps while the marker table has a row, so the test can stop it mid-statement and the
// rerun (marker emptied) goes through.
const FILES: Record<string, string> = {
  "db/migrations/001_first.up.sql": "CREATE TABLE tb_first (id int);\n",
  "db/migrations/002_slow.up.sql": "CREATE TABLE tb_slow (id int);\nSELECT pg_sleep(30) FROM fault_marker;\n",
  "db/migrations/003_third.up.sql": "CREATE TABLE tb_third (id int);\n",
};

const env = (url: string) => `name: test\ndatabase_url: ${url}\n`;

async function versions(db: { query<T>(s: string): Promise<T[]> }): Promise<string[]> {
  const rows = await db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY version");
  return rows.map((r) => r.version);
}

/** The admin connection tests use to watch and terminate their own database's backends. */
async function admin() {
  return await openDatabase(
    parseDatabaseUrl(Deno.env.get("CONFITURE_TEST_DATABASE_URL")!, (n) => Deno.env.get(n)),
    { max: 1 },
  );
}

function oneJson(stdout: string): Record<string, unknown> {
  const parsed = JSON.parse(stdout);
  assert(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), stdout);
  return parsed;
}

Deno.test({
  name: "[server] backend terminated during a transactional migration: exit 3, one envelope, rerun recovers",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftfault");
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": env(t.url) });
    await using a = await admin();
    await t.db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
    const cli = spawnCli(["migrate", "up", "--env", "test", "--no-lint", "--format", "json"], { cwd: p.dir });
    await terminateWhenRunning(a, t.name, "%pg_sleep%");
    const r = await cli.finished();
    assertEquals(r.code, 3, r.stderr);
    assert(!/Uncaught|TypeError|Top-level await/.test(r.stderr), r.stderr);
    const out = oneJson(r.stdout);
    const error = out.error as Record<string, unknown>;
    assertEquals([out.ok, error.code], [false, "CONNECTION_LOST"]);
    assertStringIncludes(String(error.message), "while applying 002_slow");
    assertEquals(error.detail, "applied: 001_first; not applied: 002_slow, 003_third");
    assertEquals(await versions(t.db), ["001"]);
    assertEquals((await t.db.query("SELECT to_regclass('tb_slow') AS r"))[0].r, null);
    assertEquals(await advisoryLocksIn(a, t.name), 0);

    await t.db.exec("DELETE FROM fault_marker");
    const again = await runCli(["migrate", "up", "--env", "test", "--no-lint"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await versions(t.db), ["001", "002", "003"]);
  },
});

Deno.test({
  name: "[server] backend terminated during CREATE INDEX CONCURRENTLY: exit 3, journal says partial, rerun resumes",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftfault");
    await using p = await tempProject({
      "db/migrations/001_first.up.sql": "CREATE TABLE tb_item (id int, v int);\n",
      "db/migrations/002_index.up.sql": "SELECT pg_sleep(30) FROM fault_marker;\n" +
        "CREATE INDEX CONCURRENTLY idx_item_v ON tb_item (v);\n",
      "db/environments/test.yaml": env(t.url),
    });
    await using a = await admin();
    await t.db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
    const cli = spawnCli(["migrate", "up", "--env", "test", "--no-lint", "--format", "json"], { cwd: p.dir });
    await terminateWhenRunning(a, t.name, "%pg_sleep%");
    const r = await cli.finished();
    assertEquals(r.code, 3, r.stderr);
    assert(!/Uncaught|TypeError/.test(r.stderr), r.stderr);
    const error = oneJson(r.stdout).error as Record<string, unknown>;
    assertEquals(error.code, "CONNECTION_LOST");
    assertStringIncludes(String(error.detail), "partial: 002_index stopped before statement 1 of 2");
    assertEquals(await versions(t.db), ["001"]);

    await t.db.exec("DELETE FROM fault_marker");
    const again = await runCli(["migrate", "up", "--env", "test", "--no-lint"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await versions(t.db), ["001", "002"]);
  },
});

Deno.test({
  name: "[server] backend terminated during status: exit 3 and one envelope",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftfault");
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": env(t.url) });
    await using a = await admin();
    await t.db.exec("CREATE TABLE fault_marker (x int)");
    assertEquals((await runCli(["migrate", "up", "--env", "test", "--no-lint"], { cwd: p.dir })).code, 0);
    // Another session holds the tracking table, so status waits on it; then its backend goes.
    const holder = await t.db.reserve();
    try {
      await holder.exec("BEGIN; LOCK TABLE tb_confiture IN ACCESS EXCLUSIVE MODE");
      const cli = spawnCli(["migrate", "status", "--env", "test", "--format", "json"], { cwd: p.dir });
      await terminateWhenRunning(a, t.name, "%tb_confiture%");
      const r = await cli.finished();
      assertEquals(r.code, 3, r.stderr);
      assertEquals((oneJson(r.stdout).error as Record<string, unknown>).code, "CONNECTION_LOST");
    } finally {
      await holder.exec("ROLLBACK");
      await holder.release();
    }
  },
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test({
    name: `[server] ${signal} during up: the statement is cancelled on the server, lock freed, exit 130`,
    ignore: NO_SERVER,
    async fn() {
      await using t = await freshServerDb("cftfault");
      await using p = await tempProject({ ...FILES, "db/environments/test.yaml": env(t.url) });
      await using a = await admin();
      await t.db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
      const cli = spawnCli(["migrate", "up", "--env", "test", "--no-lint"], { cwd: p.dir });
      await waitUntil("pg_sleep to run", async () => (await backends(a, t.name, "%pg_sleep%")).length > 0);
      const sent = performance.now();
      cli.child.kill(signal);
      const r = await cli.finished();
      // The backend stopped sleeping long before its 30 s were up.
      assert(performance.now() - sent < 10_000, "took too long to stop");
      assertEquals((await backends(a, t.name, "%pg_sleep%")).length, 0);
      assertEquals(r.code, 130, r.stderr);
      assertStringIncludes(r.stderr, `Interrupted by ${signal} while applying 002_slow`);
      assertStringIncludes(r.stderr, "applied: 001_first; not applied: 002_slow, 003_third");
      assertEquals(await advisoryLocksIn(a, t.name), 0);
      assertEquals(await versions(t.db), ["001"]);
    },
  });
}

Deno.test({
  name: "[server] SIGINT under --format json: exactly one envelope on stdout",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftfault");
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": env(t.url) });
    await using a = await admin();
    await t.db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
    const cli = spawnCli(["migrate", "up", "--env", "test", "--no-lint", "--format", "json"], { cwd: p.dir });
    await waitUntil("pg_sleep to run", async () => (await backends(a, t.name, "%pg_sleep%")).length > 0);
    cli.child.kill("SIGINT");
    const r = await cli.finished();
    assertEquals(r.code, 130, r.stderr);
    const out = oneJson(r.stdout);
    const error = out.error as Record<string, unknown>;
    assertEquals([out.ok, error.code], [false, "INTERRUPTED"]);
    assertEquals((error.details as Record<string, unknown>).state, {
      done: ["001_first"],
      not_done: ["002_slow", "003_third"],
      partial: [],
      unknown: [],
    });
  },
});

Deno.test({
  name: "[cluster] a server restart mid-up: exit 3 with one envelope, and the rerun completes",
  ignore: !canStartCluster(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using cluster = await startCluster();
    const url = cluster.url("postgres");
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": env(url) });
    const db = await openDatabase(parseDatabaseUrl(url, () => undefined), { max: 1 });
    try {
      await db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
      const cli = spawnCli(["migrate", "up", "--env", "test", "--no-lint", "--format", "json"], { cwd: p.dir });
      await waitUntil("pg_sleep to run", async () => (await backends(db, "postgres", "%pg_sleep%")).length > 0);
      await cluster.restart();
      const r = await cli.finished();
      assertEquals(r.code, 3, r.stderr);
      assert(!/Uncaught|TypeError|Top-level await/.test(r.stderr), r.stderr);
      assertEquals((oneJson(r.stdout).error as Record<string, unknown>).code, "CONNECTION_LOST");
    } finally {
      await db.close().catch(() => {});
    }
    const after = await openDatabase(parseDatabaseUrl(url, () => undefined), { max: 1 });
    try {
      assertEquals(await versions(after), ["001"]);
      await after.exec("DELETE FROM fault_marker");
      const again = await runCli(["migrate", "up", "--env", "test", "--no-lint"], { cwd: p.dir });
      assertEquals(again.code, 0, again.stderr);
      assertEquals(await versions(after), ["001", "002", "003"]);
    } finally {
      await after.close();
    }
  },
});
