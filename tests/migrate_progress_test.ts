/**
 * Feedback while migrations run, as a CI log shows it (stderr is a pipe here): a line when
 * each migration starts, a heartbeat while a statement runs on, statement k of n for a file
 * run statement by statement; nothing under --quiet; stdout keeps only the result.
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

// A heartbeat every 50 ms (CONFITURE_HEARTBEAT_MS exists for tests) against statements that
// sleep a second: several beats are due while each sleeps.
const HEARTBEAT = { CONFITURE_HEARTBEAT_MS: "50" };

const FILES: Record<string, string> = {
  "db/migrations/001_slow_table.up.sql": "CREATE TABLE tb_item (pk_item int PRIMARY KEY);\nSELECT pg_sleep(1);\n",
  "db/migrations/001_slow_table.down.sql": "DROP TABLE tb_item;\n",
  "db/migrations/002_index_items.up.sql": [
    "-- confiture: no-transaction",
    "ALTER TABLE tb_item ADD COLUMN code text;",
    "SELECT pg_sleep(1);",
    "CREATE INDEX CONCURRENTLY idx_item_code ON tb_item (code);",
    "",
  ].join("\n"),
  "db/migrations/002_index_items.down.sql": [
    "-- confiture: no-transaction",
    "DROP INDEX CONCURRENTLY idx_item_code;",
    "ALTER TABLE tb_item DROP COLUMN code;",
    "",
  ].join("\n"),
};

async function project(url: string) {
  return await tempProject({ ...FILES, "db/environments/test.yaml": `name: test\ndatabase_url: ${url}\n` });
}

/** The position of each needle in `text`, asserting each is there. */
function positions(text: string, ...needles: string[]): number[] {
  return needles.map((n) => {
    const at = text.indexOf(n);
    assert(at >= 0, `missing ${JSON.stringify(n)} in:\n${text}`);
    return at;
  });
}

Deno.test({
  name: "[server] off a terminal, up prints a line per migration, heartbeats and statement k/n on stderr",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await project(db.url);
    const up = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals(up.code, 0, up.stderr);
    const at = positions(
      up.stderr,
      "Applying 001_slow_table…\n",
      "… still running 001_slow_table, ",
      "✓ applied 001_slow_table",
      "Applying 002_index_items (3 statements, one at a time)…\n",
      "… still running 002_index_items (statement 2/3), ",
      "✓ applied 002_index_items",
    );
    assertEquals([...at].sort((a, b) => a - b), at, up.stderr);
    // Nothing animates off a terminal, and stdout is the result alone.
    assertNotIncludes(up.stderr, "\r");
    assert(up.stdout.startsWith("Applied 2 migrations in "), up.stdout);
    assertEquals(up.stdout.trimEnd().split("\n").length, 1, up.stdout);

    const down = await runCli(["migrate", "down", "--env", "test"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals(down.code, 0, down.stderr);
    assertStringIncludes(down.stderr, "Rolling back 002_index_items (2 statements, one at a time)…\n");
  },
});

Deno.test({
  name: "[server] up, down and build under --quiet print nothing on stderr, however long they run",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await project(db.url);
    const up = await runCli(["migrate", "up", "--env", "test", "--quiet"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals(up.code, 0, up.stderr);
    assertEquals(up.stderr, "");
    assertStringIncludes(up.stdout, "Applied 2 migrations");
    const down = await runCli(["migrate", "down", "--env", "test", "--quiet"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals([down.code, down.stderr], [0, ""]);
    await Deno.mkdir(`${p.dir}/db/schema`);
    await Deno.writeTextFile(`${p.dir}/db/schema/01_built.sql`, "CREATE TABLE tb_built (id int);\n");
    const build = await runCli(["build", "--apply", "--fresh", "--yes", "--env", "test", "--quiet"], {
      cwd: p.dir,
      env: HEARTBEAT,
    });
    assertEquals([build.code, build.stderr], [0, ""]);
    assertStringIncludes(build.stdout, "Applied 1 schema files");
  },
});

Deno.test({
  name: "[server] with --format json the progress stays on stderr and stdout is one JSON object",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await project(db.url);
    const up = await runCli(["migrate", "up", "--env", "test", "--format", "json"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals(up.code, 0, up.stderr);
    assertEquals(up.json<{ ok: boolean; applied: string[] }>().applied, ["001", "002"]);
    positions(up.stderr, "Applying 001_slow_table…\n", "… still running 002_index_items (statement 2/3), ");
  },
});

Deno.test({
  name: "[server] a failing statement-by-statement migration: its start line, then the error naming the statement",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `name: test\ndatabase_url: ${db.url}\n`,
      "db/migrations/001_broken.up.sql": [
        "-- confiture: no-transaction",
        "CREATE TABLE tb_a (id int);",
        "SELECT pg_sleep(1);",
        "CREATE INDEX CONCURRENTLY idx_b ON tb_missing (id);",
        "",
      ].join("\n"),
    });
    const up = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir, env: HEARTBEAT });
    assertEquals(up.code, 1, up.stderr);
    const at = positions(
      up.stderr,
      "Applying 001_broken (3 statements, one at a time)…\n",
      "… still running 001_broken (statement 2/3), ",
      "error: Cannot apply db/migrations/001_broken.up.sql:4:",
    );
    assertEquals([...at].sort((a, b) => a - b), at, up.stderr);
    // No heartbeat after the run stopped.
    assertNotIncludes(up.stderr.slice(at[2]), "still running");
  },
});
