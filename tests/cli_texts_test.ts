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
