/**
 * The migrate commands as users and scripts run them: stdout, stderr and exit codes.
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const FILES: Record<string, string> = {
  "db/migrations/001_initial_schema.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);\n",
  "db/migrations/001_initial_schema.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_add_bio_to_users.up.sql": "ALTER TABLE tb_user ADD COLUMN bio TEXT;\n",
  "db/migrations/002_add_bio_to_users.down.sql": "ALTER TABLE tb_user DROP COLUMN bio;\n",
};

function envFile(url: string, extra = ""): string {
  return `name: test\ndatabase_url: ${url}\n${extra}`;
}

Deno.test({
  name: "[server] status exit codes: 2 uninitialised, 1 pending, 0 up to date; JSON has the documented shape",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": envFile(db.url) });
    const run = (...args: string[]) => runCli(args, { cwd: p.dir });

    const s0 = await run("migrate", "status", "--env", "test", "--format", "json");
    assertEquals(s0.code, 2, s0.stderr);
    assertEquals(s0.json().pending, ["001", "002"]);

    const up1 = await run("migrate", "up", "--env", "test", "--steps", "1", "--format", "json");
    assertEquals(up1.code, 0, up1.stderr);
    const upJson = up1.json<Record<string, unknown>>();
    assertEquals(Object.keys(upJson).sort(), [
      "applied",
      "dry_run",
      "errors",
      "migrations",
      "ok",
      "skipped",
      "total_duration_ms",
    ]);
    assertEquals([upJson.applied, upJson.skipped, upJson.errors], [["001"], ["002"], []]);
    assertEquals(Object.keys((upJson.migrations as Record<string, unknown>[])[0]).sort(), [
      "duration_ms",
      "name",
      "version",
    ]);

    const s1 = await run("migrate", "status", "--env", "test", "--format", "json");
    assertEquals(s1.code, 1);
    const st = s1.json<Record<string, unknown>>();
    assertEquals(Object.keys(st), [
      "ok",
      "database",
      "tracking_table",
      "initialized",
      "applied",
      "pending",
      "migrations",
      "summary",
    ]);
    assertEquals([st.ok, st.initialized, st.tracking_table], [true, true, "public.tb_confiture"]);
    assertEquals(st.summary, { applied: 1, pending: 1, total: 2, missing: 0, edited: 0 });
    const first = (st.migrations as Record<string, unknown>[])[0];
    assertEquals(Object.keys(first), ["version", "name", "status", "applied_at"]);
    assertEquals([first.version, first.name, first.status], ["001", "initial_schema", "applied"]);
    assert(/\+00:00$/.test(first.applied_at as string));
    assertEquals((st.migrations as Record<string, unknown>[])[1].applied_at, null);

    assertEquals((await run("migrate", "up", "--env", "test")).code, 0);
    const s2 = await run("migrate", "status", "--env", "test");
    assertEquals(s2.code, 0);
    assertStringIncludes(s2.stdout, "Migration");
    assertStringIncludes(s2.stdout, "002_add_bio_to_users   ✓ applied");

    const down = await run("migrate", "down", "--env", "test", "--format", "json");
    assertEquals([down.code, down.json().rolled_back], [0, ["002"]]);
  },
});

Deno.test({
  name: "[server] a failing migration: exit 1, one JSON object naming file:line:col, earlier migrations kept",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      ...FILES,
      "db/migrations/003_create_tb_comment.up.sql": "CREATE TABLE tb_comment (\n  fk_post int REFERENCES tb_post\n);\n",
      "db/environments/test.yaml": envFile(db.url),
    });
    const r = await runCli(["migrate", "up", "--env", "test", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stderr);
    const out = r.json<{ ok: boolean; error: Record<string, unknown>; applied: string[]; errors: unknown[] }>();
    assertEquals(out.ok, false);
    assertEquals(
      out.error.message,
      'Cannot apply db/migrations/003_create_tb_comment.up.sql:1:1: relation "tb_post" does not exist',
    );
    assertEquals([out.error.file, out.error.line], ["db/migrations/003_create_tb_comment.up.sql", 1]);
    assertEquals(out.applied, ["001", "002"]);
    const rows = await db.db.query("SELECT version FROM tb_confiture");
    assertEquals(rows.length, 2);
    const text = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir });
    assertEquals(text.code, 1);
    assertStringIncludes(
      text.stderr,
      'error: Cannot apply db/migrations/003_create_tb_comment.up.sql:1:1: relation "tb_post" does not exist',
    );
    assertEquals(text.stdout, "");
  },
});

Deno.test({
  name: "[server] missing down file: exit 8 and nothing rolled back",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": envFile(db.url) });
    assertEquals((await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir })).code, 0);
    await Deno.remove(`${p.dir}/db/migrations/002_add_bio_to_users.down.sql`);
    const r = await runCli(["migrate", "down", "--env", "test", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 8);
    assertEquals(r.json<{ error: { code: string } }>().error.code, "IRREVERSIBLE");
    assertEquals((await db.db.query("SELECT version FROM tb_confiture")).length, 2);
  },
});

Deno.test("unreachable server: exit 3 with a clear message and no password anywhere", async () => {
  await using p = await tempProject(FILES);
  const url = "postgres://deployer:hunter2secret@127.0.0.1:1/app";
  for (const format of ["text", "json"]) {
    const r = await runCli(["migrate", "status", "--database-url", url, "--format", format], { cwd: p.dir });
    assertEquals(r.code, 3);
    assertStringIncludes(r.stdout + r.stderr, "Cannot connect to postgres://deployer@127.0.0.1:1/app");
    assertNotIncludes(r.stdout + r.stderr, "hunter2secret");
  }
  const up = await runCli(["migrate", "up", "--dry-run"], { cwd: p.dir, env: { CONFITURE_DATABASE_URL: url } });
  assertEquals(up.code, 3);
  assertNotIncludes(up.stdout + up.stderr, "hunter2secret");
});

Deno.test("configuration errors exit 5 naming the file, line and key; passwords are never printed", async () => {
  await using p = await tempProject({
    ...FILES,
    "db/environments/bad.yaml":
      "database_url: postgres://u:hunter2secret@h/d\nprotectd: true\nmigration:\n  lock_timeout: never\n",
    "db/environments/broken.yaml": "database_url: 'unterminated\n",
  });
  const bad = await runCli(["migrate", "status", "--env", "bad", "--format", "json"], { cwd: p.dir });
  assertEquals(bad.code, 5);
  const err = bad.json<{ ok: boolean; error: { message: string; file: string; line: number } }>();
  assertEquals([err.ok, err.error.file, err.error.line], [false, "db/environments/bad.yaml", 2]);
  assertStringIncludes(err.error.message, 'protectd: unknown key (did you mean "protected"?)');
  assertStringIncludes(err.error.message, "bad.yaml:4: migration.lock_timeout");
  assertNotIncludes(bad.stdout + bad.stderr, "hunter2secret");

  const broken = await runCli(["migrate", "status", "--env", "broken"], { cwd: p.dir });
  assertEquals(broken.code, 5);
  assertStringIncludes(broken.stderr, "db/environments/broken.yaml:");
  assertEquals(broken.stdout, "");

  const missing = await runCli(["migrate", "up", "--env", "staging"], { cwd: p.dir });
  assertEquals(missing.code, 5);
  assertStringIncludes(missing.stderr, "Environment config not found: db/environments/staging.yaml");
});

Deno.test("usage errors exit 5 with the command's usage line, never 2", async () => {
  const unknown = await runCli(["migrate", "status", "--bogus"]);
  assertEquals(unknown.code, 5);
  assertStringIncludes(unknown.stderr, "Unknown option '--bogus'");
  assertStringIncludes(unknown.stderr, "usage: confiture migrate status [options]");
  const missingArg = await runCli(["migrate", "generate", "--format", "json"]);
  assertEquals(missingArg.code, 5);
  assertEquals(missingArg.json<{ error: { code: string } }>().error.code, "USAGE");
  const steps = await runCli(["migrate", "up", "--steps", "-1", "--database-url", "pglite:memory"]);
  assertEquals(steps.code, 5);
  const format = await runCli(["migrate", "status", "--format", "yaml"]);
  assertEquals(format.code, 5);
  assertStringIncludes(format.stderr, "Allowed choices are text, json");
});

Deno.test("generate numbers migrations, keeps the folder's width, and rejects bad names", async () => {
  await using p = await tempProject(FILES);
  const r = await runCli(["migrate", "generate", "create_tb_comment", "--format", "json"], { cwd: p.dir });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json(), {
    ok: true,
    version: "003",
    name: "create_tb_comment",
    up_file: "db/migrations/003_create_tb_comment.up.sql",
    down_file: "db/migrations/003_create_tb_comment.down.sql",
  });
  assertStringIncludes(await p.read("db/migrations/003_create_tb_comment.up.sql"), "-- Migration 003");
  const bad = await runCli(["migrate", "generate", "Add-Column"], { cwd: p.dir });
  assertEquals(bad.code, 5);
  assertStringIncludes(bad.stderr, 'Invalid migration name "Add-Column"');
  const dup = await runCli(["migrate", "generate", "add_bio_to_users"], { cwd: p.dir });
  assertEquals(dup.code, 5);
});

Deno.test("a duplicate version is an error naming the files; an orphan down never gates up or status", async () => {
  await using p = await tempProject({
    ...FILES,
    "db/migrations/2_again.up.sql": "SELECT 1;",
    "db/migrations/007_lonely.down.sql": "SELECT 1;",
  });
  const r = await runCli(["migrate", "status", "--database-url", "pglite:memory", "--format", "json"], { cwd: p.dir });
  assertEquals(r.code, 5);
  const msg = r.json<{ error: { message: string } }>().error.message;
  assertStringIncludes(msg, "duplicate version 002: 002_add_bio_to_users.up.sql, 2_again.up.sql");
  assert(!msg.includes("007_lonely"), msg);
  await Deno.remove(`${p.dir}/db/migrations/2_again.up.sql`);
  // Without the duplicate, up runs (real chains carry downs whose up was removed); validate warns.
  const up = await runCli(["migrate", "up", "--database-url", "pglite:memory"], { cwd: p.dir });
  assertEquals(up.code, 0, up.stderr);
  const v = await runCli(["migrate", "validate", "--format", "json"], { cwd: p.dir });
  const issues = v.json<{ issues: { severity: string; code: string; file: string }[] }>().issues;
  assertEquals(
    issues.filter((i) => i.code === "ORPHAN_DOWN").map((i) => [i.severity, i.file]),
    [["warning", "db/migrations/007_lonely.down.sql"]],
  );
});

Deno.test("PGlite end to end: up, status, down against pglite:./dir", async () => {
  await using p = await tempProject({ ...FILES, "db/environments/local.yaml": envFile("pglite:./.confiture/db") });
  const up = await runCli(["migrate", "up"], { cwd: p.dir });
  assertEquals(up.code, 0, up.stderr);
  assertStringIncludes(up.stderr, "✓ applied 001_initial_schema");
  const st = await runCli(["migrate", "status", "--format", "json"], { cwd: p.dir });
  assertEquals([st.code, st.json().applied], [0, ["001", "002"]]);
  const down = await runCli(["migrate", "down", "--steps", "2"], { cwd: p.dir });
  assertEquals(down.code, 0, down.stderr);
  assertEquals((await runCli(["migrate", "status"], { cwd: p.dir })).code, 1);
});

Deno.test("--exit-codes prints the frozen table; --version prints the version", async () => {
  const r = await runCli(["--exit-codes"]);
  assertEquals(r.code, 0);
  for (const code of ["0", "1", "2", "3", "4", "5", "6", "8"]) {
    assert(r.stdout.split("\n").some((l) => l.startsWith(`${code} `)));
  }
  const v = await runCli(["--version"]);
  assert(/^confiture \d+\.\d+\.\d+\n$/.test(v.stdout));
});

Deno.test("migrate validate reports every problem offline with file:line:col and exits 5; a clean folder exits 0", async () => {
  await using p = await tempProject({
    ...FILES,
    "db/migrations/003_typo.up.sql": "SELECT 1;\nCREATE TABLE x (a int,);\n",
    "db/migrations/004_no_down.up.sql": "CREATE INDEX CONCURRENTLY i ON tb_user (name);\n",
    "db/migrations/005_begin.up.sql": "BEGIN;\nSELECT 1;\n",
    "db/migrations/notes.sql": "-- not a migration\n",
  });
  const r = await runCli(["migrate", "validate", "--format", "json"], { cwd: p.dir });
  assertEquals(r.code, 5, r.stderr);
  const out = r.json<
    { ok: boolean; issues: { severity: string; code: string; file: string; line: number | null }[] }
  >();
  assertEquals(out.ok, false);
  const byCode = (c: string) => out.issues.filter((i) => i.code === c).map((i) => [i.file, i.line]);
  assertEquals(byCode("SQL_PARSE_ERROR"), [["db/migrations/003_typo.up.sql", 2]]);
  assertEquals(byCode("BAD_NAME"), [["db/migrations/notes.sql", null]]);
  assert(
    out.issues.some((i) => i.code === "MISSING_DOWN" && i.severity === "warning" && i.file.includes("004_no_down")),
  );
  assert(out.issues.some((i) => i.file === "db/migrations/005_begin.up.sql" && i.code === "CONFIG_INVALID"));
  await using clean = await tempProject(FILES);
  const ok = await runCli(["migrate", "validate"], { cwd: clean.dir });
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  assertStringIncludes(ok.stdout, "2 migrations checked: 0 errors, 0 warnings.");
});

Deno.test({
  name:
    "[server] baseline, reinit and verify through the CLI; validate also checks checksums when a database is configured",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({ ...FILES, "db/environments/test.yaml": envFile(db.url) });
    const run = (...args: string[]) => runCli([...args, "--env", "test"], { cwd: p.dir });
    const b = await run("migrate", "baseline", "--through", "001", "--format", "json");
    assertEquals([b.code, b.json().marked], [0, ["001"]]);
    const st = await run("migrate", "status", "--format", "json");
    assertEquals([st.code, st.json().pending], [1, ["002"]]);
    const r = await run("migrate", "reinit", "--format", "json");
    assertEquals([r.code, r.json().deleted, r.json().marked], [0, 1, ["001", "002"]]);
    assertEquals((await run("migrate", "verify")).code, 0);
    await p.write("db/migrations/002_add_bio_to_users.up.sql", "ALTER TABLE tb_user ADD COLUMN bio VARCHAR(10);\n");
    const v = await run("migrate", "verify", "--format", "json");
    assertEquals(v.code, 1);
    assertEquals(v.json<{ issues: { version: string; kind: string }[] }>().issues.map((i) => [i.version, i.kind]), [[
      "002",
      "modified",
    ]]);
    const val = await run("migrate", "validate", "--format", "json");
    assertEquals(val.code, 5);
    assertEquals(val.json<{ issues: { code: string }[] }>().issues.map((i) => i.code), ["CHECKSUM_MISMATCH"]);
  },
});
