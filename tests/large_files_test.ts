/**
 * Large transactional files travel as one message; an error in one of their statements still
 * names its line, and nothing of the file is kept.
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const N = 3000;
const inserts = (bad?: number) =>
  Array.from({ length: N }, (_, i) => `INSERT INTO t VALUES (${i === bad ? "'x'" : i});`).join("\n") + "\n";

Deno.test({
  name: "[server] a 3000-statement file applies whole; a failing statement in one names its line and keeps nothing",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
      "db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n",
      "db/migrations/002_rows.up.sql": inserts(),
      "db/migrations/003_more.up.sql": inserts(2400),
    });
    const r = await runCli(["migrate", "up", "--env", "test", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stderr);
    const err = r.json<{ error: { file: string; line: number; message: string } }>().error;
    assertEquals([err.file, err.line], ["db/migrations/003_more.up.sql", 2401]);
    assertStringIncludes(err.message, "invalid input syntax for type integer");
    assertEquals(await db.db.query("SELECT count(*)::int AS n FROM t"), [{ n: N }]);
    const versions = await db.db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY version");
    assertEquals(versions.map((v) => v.version), ["001", "002"]);
  },
});
