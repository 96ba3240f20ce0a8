/**
 * What a user sees when they type what another tool taught them, or get something wrong:
 * help for a nested command, `migrate create`/`new`, an unknown environment, wording.
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";

Deno.test("`confiture help migrate up` shows that command's help, as `migrate up --help` does", async () => {
  const help = await runCli(["help", "migrate", "up"]);
  const flag = await runCli(["migrate", "up", "--help"]);
  assertEquals([help.code, help.stderr], [0, ""]);
  assertStringIncludes(help.stdout, "Usage: confiture migrate up [options]");
  assertEquals(help.stdout, flag.stdout);
});

Deno.test("`migrate create` and `migrate new` exit 5 and name `migrate generate` with the user's arguments", async () => {
  const create = await runCli(["migrate", "create", "add_bio"]);
  assertEquals([create.code, create.stdout], [5, ""]);
  assertStringIncludes(create.stderr, "error: Unknown command 'create'");
  assertStringIncludes(
    create.stderr,
    "hint: Confiture calls this `migrate generate`: confiture migrate generate add_bio",
  );
  const created = await runCli(["migrate", "new", "--format", "json"]);
  assertEquals(created.code, 5);
  assertEquals(
    created.json<{ error: { hint: string } }>().error.hint,
    "Confiture calls this `migrate generate`: confiture migrate generate NAME",
  );
});

Deno.test("`--env nope` exits 5 and lists the environments that exist", async () => {
  await using p = await tempProject({
    "db/environments/local.yaml": "name: local\ndatabase_url: pglite:memory\n",
    "db/environments/production.yaml": "name: production\ndatabase_url: pglite:memory\n",
    "db/migrations/.keep": "",
  });
  const r = await runCli(["migrate", "status", "--env", "nope"], { cwd: p.dir });
  assertEquals([r.code, r.stdout], [5, ""]);
  assertStringIncludes(r.stderr, "error: Environment config not found: db/environments/nope.yaml");
  assertStringIncludes(
    r.stderr,
    "hint: Environments in db/environments/: local, production (pass one with --env NAME)",
  );
  await using empty = await tempProject({});
  const none = await runCli(["migrate", "status", "--env", "nope", "--format", "json"], { cwd: empty.dir });
  assertEquals(none.code, 5);
  assertStringIncludes(none.json<{ error: { hint: string } }>().error.hint, "No environment files in db/environments/");
});

Deno.test("counts agree with their number: `Replaying 1 migration`, `1 table, 0 relationships`, `Built 1 file`", async () => {
  await using p = await tempProject({
    "db/environments/local.yaml": "name: local\ndatabase_url: pglite:memory\n",
    "db/schema/tb_a.sql": "CREATE TABLE tb_a (id int PRIMARY KEY);\n",
    "db/migrations/001_a.up.sql": "CREATE TABLE tb_a (id int PRIMARY KEY);\n",
    "db/migrations/001_a.down.sql": "DROP TABLE tb_a;\n",
  });
  const check = await runCli(["migrate", "check-schema"], { cwd: p.dir });
  assertEquals(check.code, 0, check.stderr);
  assertStringIncludes(check.stderr, "Replaying 1 migration into a scratch database…");
  const erd = await runCli(["erd", "-o", "erd.md"], { cwd: p.dir });
  assertEquals(erd.code, 0, erd.stderr);
  assertStringIncludes(erd.stdout, "Wrote erd.md: 1 table, 0 relationships.");
  const build = await runCli(["build"], { cwd: p.dir });
  assertEquals(build.code, 0, build.stderr);
  assertStringIncludes(build.stderr, "Built 1 file into");
});

Deno.test("`init PATH` where PATH is a file exits 5 with one clear line, not an internal error", async () => {
  await using p = await tempProject({ "notes.txt": "hello\n" });
  const r = await runCli(["init", "notes.txt"], { cwd: p.dir });
  assertEquals(r.code, 5, r.stderr);
  assertEquals(
    r.stderr.split("\n")[0],
    "error: notes.txt exists and is not a directory; init needs a directory to create the project in",
  );
  assertEquals(r.stderr.includes("Unexpected error"), false, r.stderr);
});
