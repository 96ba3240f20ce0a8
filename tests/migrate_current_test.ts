/**
 * `migrate current`: the version alone on stdout, exit 2 before the tracking table exists.
 *
 * @module
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";

Deno.test({
  name: "migrate current: exit 2 before init, nothing applied, then the newest applied version (text and JSON)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using p = await tempProject({
      "db/environments/local.yaml":
        "name: local\ndatabase_url: pglite:./.confiture/db\nmigrations_dir: db/migrations\n",
      "db/migrations/001_a.up.sql": "CREATE TABLE a (id int);\n",
      "db/migrations/002_b.up.sql": "CREATE TABLE b (id int);\n",
      "db/migrations/003_c.up.sql": "CREATE TABLE c (id int);\n",
      "db/migrations/001_a.down.sql": "DROP TABLE a;\n",
      "db/migrations/002_b.down.sql": "DROP TABLE b;\n",
    });
    const before = await runCli(["migrate", "current"], { cwd: p.dir });
    assertEquals([before.code, before.stdout], [2, ""]);
    assertStringIncludes(before.stderr, "does not exist yet");

    assertEquals((await runCli(["migrate", "up", "--steps", "2"], { cwd: p.dir })).code, 0);
    const text = await runCli(["migrate", "current"], { cwd: p.dir });
    assertEquals([text.code, text.stdout], [0, "002\n"]);

    const json = await runCli(["migrate", "current", "--format", "json"], { cwd: p.dir });
    assertEquals(json.code, 0, json.stderr);
    const body = json.json<Record<string, unknown>>();
    assertEquals([body.ok, body.initialized, body.version, body.name], [true, true, "002", "b"]);
    assertEquals(json.stderr, "");

    assertEquals((await runCli(["migrate", "down", "--steps", "2"], { cwd: p.dir })).code, 0);
    const none = await runCli(["migrate", "current", "-f", "json"], { cwd: p.dir });
    assertEquals([none.code, none.json<{ version: unknown }>().version], [0, null]);
  },
});
