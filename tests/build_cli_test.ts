/**
 * `confiture build` as users and scripts run it: output file, --check, exit codes, --apply,
 * --fresh (and its refusals), error messages that point at the source file.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { dropServerDb, freshServerDb, NO_SERVER, serverUrlFor } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { openDatabase } from "../src/db/open.ts";

const SCHEMA: Record<string, string> = {
  "db/schema/10_tables/1_tb_user.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/schema/20_views/v_user.sql":
    "CREATE VIEW v_user AS SELECT jsonb_build_object('name', name) AS data FROM tb_user;\n",
  "db/migrations/001_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/migrations/001_user.down.sql": "DROP TABLE tb_user;\n",
  "db/seeds/common/1_users.sql": "INSERT INTO tb_user VALUES (1, 'alice');\n",
};

Deno.test("build writes the file; --check exits 0 when current and 1 when stale or missing", async () => {
  await using p = await tempProject({ ...SCHEMA, "db/environments/local.yaml": "name: local\n" });
  const run = (...args: string[]) => runCli(args, { cwd: p.dir });

  const missing = await run("build", "--check", "--format", "json");
  assertEquals(missing.code, 1, missing.stderr);
  assertEquals(missing.json().reason, "the output file does not exist");

  const b = await run("build", "--format", "json");
  assertEquals(b.code, 0, b.stderr);
  const out = b.json<Record<string, unknown>>();
  assertEquals(out.output, "db/generated/schema_local.sql");
  assertEquals(out.file_count, 2);
  assertEquals(out.files, ["db/schema/10_tables/1_tb_user.sql", "db/schema/20_views/v_user.sql"]);
  const text = await p.read("db/generated/schema_local.sql");
  assertStringIncludes(text, `-- Schema hash: ${out.hash}\n`);
  assertStringIncludes(text, "-- File: db/schema/20_views/v_user.sql\n");

  const ok = await run("build", "--check");
  assertEquals(ok.code, 0, ok.stderr);
  assertStringIncludes(ok.stdout, "db/generated/schema_local.sql is up to date");

  await p.write("db/schema/10_tables/2_tb_post.sql", "CREATE TABLE tb_post (id int);\n");
  const stale = await run("build", "--check");
  assertEquals(stale.code, 1);
  assertStringIncludes(stale.stdout, "stale: the schema files changed since it was built");
  assertEquals(await p.read("db/generated/schema_local.sql"), text, "--check never writes");

  const custom = await run("build", "-o", "out/schema.sql");
  assertEquals(custom.code, 0, custom.stderr);
  assertStringIncludes(await p.read("out/schema.sql"), "-- Files: 3\n");
});

Deno.test("an unterminated comment is exit 4 naming the file; --fresh without --apply is a usage error", async () => {
  await using p = await tempProject({
    ...SCHEMA,
    "db/environments/local.yaml": "name: local\n",
    "db/schema/10_tables/0_oops.sql": "CREATE TABLE x (id int);\n/* left open\nCREATE TABLE y ();\n",
  });
  const r = await runCli(["build"], { cwd: p.dir });
  assertEquals(r.code, 4, r.stderr);
  assertStringIncludes(r.stderr, "db/schema/10_tables/0_oops.sql:2:1: unterminated block comment");
  const j = await runCli(["build", "--format", "json"], { cwd: p.dir });
  assertEquals(j.json<{ error: { file: string; line: number } }>().error.file, "db/schema/10_tables/0_oops.sql");

  const u = await runCli(["build", "--fresh"], { cwd: p.dir });
  assertEquals(u.code, 5, u.stderr);
});

Deno.test({
  name: "[server] build --apply --fresh --yes recreates the database, records migrations, seeds; migrate up continues",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await db.db.exec("CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (1);");
    await using p = await tempProject({
      ...SCHEMA,
      "db/environments/dev.yaml": `name: dev\ndatabase_url: ${db.url}\n`,
    });
    const run = (...args: string[]) => runCli(args, { cwd: p.dir });

    const r = await run("build", "--env", "dev", "--apply", "--fresh", "--yes", "--format", "json");
    assertEquals(r.code, 0, r.stderr);
    const applied = r.json<{ applied: Record<string, unknown> }>().applied;
    assertEquals(applied.fresh, true);
    assertEquals(applied.migrations_recorded, ["001"]);
    assertEquals(applied.seeds, ["db/seeds/common/1_users.sql"]);

    await using check = await openDatabase(
      (await import("../src/db/url.ts")).parseDatabaseUrl(db.url, () => undefined),
    );
    assertEquals(await check.query("SELECT to_regclass('leftover') AS t"), [{ t: null }]);
    assertEquals(await check.query("SELECT data->>'name' AS name FROM v_user"), [{ name: "alice" }]);

    const status = await run("migrate", "status", "--env", "dev");
    assertEquals(status.code, 0, status.stdout + status.stderr);

    // --no-seeds on a non-fresh apply fails cleanly: the tables exist already.
    const again = await run("build", "--env", "dev", "--apply", "--no-seeds");
    assertEquals(again.code, 4);
    assertStringIncludes(
      again.stderr,
      'Cannot apply db/schema/10_tables/1_tb_user.sql:1:1: relation "tb_user" already exists',
    );
    assertStringIncludes(
      again.stderr,
      "hint: The database already holds this schema: rebuild it with `confiture build --apply --fresh`",
    );
  },
});

Deno.test({
  name: "[server] --fresh is refused on a protected environment (even with --yes) and without --yes off a terminal",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await db.db.exec("CREATE TABLE precious (id int);");
    await using p = await tempProject({
      ...SCHEMA,
      "db/environments/prod.yaml": `name: prod\ndatabase_url: ${db.url}\nprotected: true\n`,
      "db/environments/dev.yaml": `name: dev\ndatabase_url: ${db.url}\n`,
    });
    const prot = await runCli(["build", "--env", "prod", "--apply", "--fresh", "--yes"], { cwd: p.dir });
    assertEquals(prot.code, 5, prot.stderr);
    assertStringIncludes(prot.stderr, 'environment "prod" is protected');

    const noYes = await runCli(["build", "--env", "dev", "--apply", "--fresh"], { cwd: p.dir, stdin: "y\n" });
    assertEquals(noYes.code, 5, noYes.stderr);
    assertStringIncludes(noYes.stderr, "without --yes");

    assertEquals((await db.db.query("SELECT to_regclass('precious')::text AS t"))[0].t, "precious");

    // A plain --apply on a protected environment needs --yes off a terminal.
    const plain = await runCli(["build", "--env", "prod", "--apply"], { cwd: p.dir });
    assertEquals(plain.code, 5, plain.stderr);
    assertStringIncludes(plain.stderr, "Refusing to apply 2 schema files to");
    assertEquals(await db.db.query("SELECT to_regclass('tb_user') AS t"), [{ t: null }]);
    const yes = await runCli(["build", "--env", "prod", "--apply", "--yes"], { cwd: p.dir });
    assertEquals(yes.code, 0, yes.stderr);
  },
});

Deno.test("build --apply on a PGlite directory; --fresh removes it first; protected PGlite is refused", async () => {
  await using p = await tempProject({
    ...SCHEMA,
    "db/environments/local.yaml": "name: local\ndatabase_url: pglite:./.confiture/local\n",
    "db/environments/safe.yaml": "name: safe\ndatabase_url: pglite:./.confiture/local\nprotected: true\n",
  });
  const run = (...args: string[]) => runCli(args, { cwd: p.dir });
  const first = await run("build", "--apply");
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stdout, "Recorded 1 migration as applied");

  const refused = await run("build", "--env", "safe", "--apply", "--fresh", "--yes");
  assertEquals(refused.code, 5, refused.stderr);

  const fresh = await run("build", "--apply", "--fresh", "--yes", "--format", "json");
  assertEquals(fresh.code, 0, fresh.stderr);
  const up = await run("migrate", "up");
  assertEquals(up.code, 0, up.stderr);
  assertStringIncludes(up.stdout, "Nothing to apply");
  // One seed run only: the fresh rebuild started from an empty database.
  await using db = await openDatabase({ kind: "pglite", dataDir: `${p.dir}/.confiture/local` });
  assertEquals((await db.query("SELECT count(*)::int AS n FROM tb_user"))[0].n, 1);
  assert(true);
});

Deno.test({
  name: "[server] --fresh with a role that cannot create databases fails before dropping anything",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    const role = `${db.name}_owner`;
    await db.db.exec(`CREATE ROLE ${role} LOGIN; ALTER DATABASE ${db.name} OWNER TO ${role};`);
    try {
      const url = db.url.replace(/\/\/[^@]+@/, `//${role}@`);
      await using p = await tempProject({ ...SCHEMA, "db/environments/dev.yaml": `name: dev\ndatabase_url: ${url}\n` });
      const r = await runCli(["build", "--env", "dev", "--apply", "--fresh", "--yes"], { cwd: p.dir });
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stderr, `may not create databases`);
      assertEquals((await db.db.query("SELECT current_database() AS d"))[0].d, db.name);
    } finally {
      await db.db.exec(`ALTER DATABASE ${db.name} OWNER TO CURRENT_USER`);
      await db.db.exec(`DROP ROLE ${role}`);
    }
  },
});

Deno.test("--fresh never deletes a directory that is not a PGlite data directory", async () => {
  await using p = await tempProject({
    ...SCHEMA,
    "db/environments/local.yaml": "name: local\ndatabase_url: pglite:./db\n",
  });
  const r = await runCli(["build", "--apply", "--fresh", "--yes"], { cwd: p.dir });
  assertEquals(r.code, 5, r.stderr);
  assertStringIncludes(r.stderr, "it is not a PGlite data directory");
  assertEquals(await p.read("db/migrations/001_user.up.sql"), SCHEMA["db/migrations/001_user.up.sql"]);
});

Deno.test({
  name: "[server] --fresh refuses to drop the postgres maintenance database",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject({
      ...SCHEMA,
      "db/environments/local.yaml": `name: local\ndatabase_url: ${serverUrlFor("postgres")}\n`,
    });
    const r = await runCli(["build", "--apply", "--fresh", "--yes"], { cwd: p.dir });
    assertEquals(r.code, 5, r.stderr);
    assertStringIncludes(r.stderr, 'Refusing to drop the system database "postgres"');
  },
});

Deno.test({
  name: "[server] --apply to a database that does not exist hints at --fresh, which creates it",
  ignore: NO_SERVER,
  async fn() {
    const name = `cft_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await using p = await tempProject({
      ...SCHEMA,
      "db/environments/local.yaml": `name: local\ndatabase_url: ${serverUrlFor(name)}\n`,
    });
    try {
      const missing = await runCli(["build", "--apply"], { cwd: p.dir });
      assertEquals(missing.code, 3, missing.stderr);
      assertStringIncludes(missing.stderr, "hint: Add --fresh to create it");
      const created = await runCli(["build", "--apply", "--fresh", "--yes"], { cwd: p.dir });
      assertEquals(created.code, 0, created.stderr);
    } finally {
      await dropServerDb(name);
    }
  },
});
