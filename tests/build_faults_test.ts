/**
 * Faults during `build --apply`, injected for real: the backend terminated mid-script, and a
 * table lock held by another session. A build is one transaction: each fault ends with its
 * documented exit code and one JSON envelope, leaves nothing half-built, and the rerun works.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { advisoryLocksIn, spawnCli, terminateWhenRunning } from "./_helpers/faults.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

const env = (url: string) => `name: test\ndatabase_url: ${url}\n`;

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

async function regclass(db: { query<T>(s: string): Promise<T[]> }, name: string): Promise<string | null> {
  return (await db.query<{ r: string | null }>(`SELECT to_regclass('${name}')::text AS r`))[0].r;
}

Deno.test({
  name: "[server] backend terminated during build --apply: exit 3, one envelope, nothing built, rerun builds",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftbfault");
    await using p = await tempProject({
      "db/schema/10_tables/a.sql": "CREATE TABLE tb_a (id int PRIMARY KEY);\n",
      // Sleeps while the marker holds a row, so the test can end the backend mid-script.
      "db/schema/20_slow/b.sql": "SELECT pg_sleep(30) FROM public.fault_marker;\nCREATE TABLE tb_b (id int);\n",
      "db/migrations/001_init.up.sql": "CREATE TABLE tb_a (id int PRIMARY KEY);\n",
      "db/environments/test.yaml": env(t.url),
    });
    await using a = await admin();
    await t.db.exec("CREATE TABLE fault_marker (x int); INSERT INTO fault_marker VALUES (1)");
    const cli = spawnCli(["build", "--apply", "--env", "test", "--format", "json"], { cwd: p.dir });
    await terminateWhenRunning(a, t.name, "%pg_sleep%");
    const r = await cli.finished();
    assertEquals(r.code, 3, r.stderr);
    assert(!/Uncaught|TypeError|Top-level await/.test(r.stderr), r.stderr);
    const error = oneJson(r.stdout).error as Record<string, unknown>;
    assertEquals(error.code, "CONNECTION_LOST");
    // One transaction: nothing of the script, no tracking rows, no lock left behind.
    assertEquals(await regclass(t.db, "public.tb_a"), null);
    assertEquals(await regclass(t.db, "public.tb_confiture"), null);
    assertEquals(await advisoryLocksIn(a, t.name), 0);

    await t.db.exec("DELETE FROM fault_marker");
    const again = await runCli(["build", "--apply", "--env", "test"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await regclass(t.db, "public.tb_b"), "tb_b");
    const rows = await t.db.query<{ version: string }>("SELECT version FROM tb_confiture");
    assertEquals(rows.map((x) => x.version), ["001"]);
  },
});

Deno.test({
  name: "[server] build --apply waiting on a table lock says who holds it, then exits 6 with nothing built",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftblock");
    await t.db.exec("CREATE TABLE tb_busy (id int)");
    await using p = await tempProject({
      "db/schema/10_tables/a.sql": "CREATE TABLE tb_a (id int);\nALTER TABLE tb_busy ADD COLUMN note text;\n",
      "db/environments/test.yaml": env(t.url) + "migration:\n  lock_timeout: 2s\n",
    });
    const holder = await openDatabase(
      parseDatabaseUrl(t.url + (t.url.includes("?") ? "&" : "?") + "application_name=cft_lock_holder", () => undefined),
      { max: 1 },
    );
    try {
      await holder.transaction(async (tx) => {
        await tx.exec("LOCK TABLE tb_busy IN ACCESS SHARE MODE");
        const cli = spawnCli(["build", "--apply", "--env", "test", "--format", "json"], { cwd: p.dir });
        const r = await cli.finished();
        assertEquals(r.code, 6, r.stderr);
        assertStringIncludes(r.stderr, "tb_busy");
        assertStringIncludes(r.stderr, "cft_lock_holder");
        const error = oneJson(r.stdout).error as Record<string, unknown>;
        assertEquals(error.code, "LOCK_TIMEOUT");
      });
    } finally {
      await holder.close();
    }
    assertEquals(await regclass(t.db, "public.tb_a"), null);
    const again = await runCli(["build", "--apply", "--env", "test"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await regclass(t.db, "public.tb_a"), "tb_a");
  },
});
