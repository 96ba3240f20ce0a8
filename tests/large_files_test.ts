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

// Over the 1 MB from which a single INSERT … VALUES is parsed a chunk of rows at a time.
const ROWS = 60_000;
const bigInsert = (bad?: { row: number; value: string }) =>
  "INSERT INTO t (id) VALUES\n" +
  Array.from({ length: ROWS }, (_, i) => `(${i === bad?.row ? bad.value : i}) /* row ${i}, padding padding */`)
    .join(",\n") +
  ";\n";

Deno.test({
  name: "[server] a single 2.7 MB INSERT applies; a bad value or a syntax error deep inside it names file:line:col",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
      "db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n",
      "db/migrations/002_rows.up.sql": bigInsert(),
    });
    const up = () => runCli(["migrate", "up", "--env", "test", "--format", "json"], { cwd: p.dir });
    const ok = await up();
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(await db.db.query("SELECT count(*)::int AS n FROM t"), [{ n: ROWS }]);

    // A value the server refuses: the runner's error names the row's line and column.
    await Deno.writeTextFile(`${p.dir}/db/migrations/003_bad.up.sql`, bigInsert({ row: 45_000, value: "'x'" }));
    const bad = await up();
    assertEquals(bad.code, 1, bad.stderr);
    const err = bad.json<{ error: { file: string; line: number; column: number; message: string } }>().error;
    assertEquals([err.file, err.line, err.column], ["db/migrations/003_bad.up.sql", 45_002, 2]);
    assertStringIncludes(err.message, "invalid input syntax for type integer");

    // A syntax error: refused before anything runs (exit 4), at its file:line:col.
    await Deno.writeTextFile(`${p.dir}/db/migrations/003_bad.up.sql`, bigInsert({ row: 45_000, value: "1 2" }));
    const syntax = await up();
    assertEquals(syntax.code, 4, syntax.stderr);
    const serr = syntax.json<{ error: { file: string; line: number; column: number; message: string } }>().error;
    assertEquals([serr.file, serr.line, serr.column], ["db/migrations/003_bad.up.sql", 45_002, 4]);
    assertStringIncludes(serr.message, 'syntax error at or near "2"');
    assertEquals(await db.db.query("SELECT count(*)::int AS n FROM t"), [{ n: ROWS }]);
    const versions = await db.db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY version");
    assertEquals(versions.map((v) => v.version), ["001", "002"]);
  },
});
