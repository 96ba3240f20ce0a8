/**
 * Real-shaped migration folders run as committed, through the CLI, on PGlite and the server:
 * golang-migrate pairs with differing names, a nameless `0157.up.sql`, empty and comment-only
 * files, a down in MySQL syntax, goose and dbmate single files, and folder faults (a missing
 * folder, links, code migrations) that must never end in "Nothing to apply".
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

const GOOSE = `-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION bump_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.id := NEW.id + 1; -- a semicolon inside the body
  RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP FUNCTION bump_id();
-- +goose StatementEnd
`;

const DBMATE = `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY idx_t2_id ON t2 (id);

-- migrate:down
DROP INDEX idx_t2_id;
`;

/** A golang-migrate style chain: 24 files, 12 migrations. */
function chain(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 8; i++) {
    const v = String(i).padStart(6, "0");
    files[`db/migrations/${v}_collection_add_t${i}.up.sql`] = `CREATE TABLE t${i} (id int PRIMARY KEY);\n`;
    files[`db/migrations/${v}_collection_drop_t${i}.down.sql`] = `DROP TABLE t${i};\n`;
  }
  files["db/migrations/000009_add_index.up.sql"] = "CREATE INDEX idx_t1_id ON t1 (id);\n";
  files["db/migrations/000009_add_index.down.sql"] = "ALTER TABLE t1 DROP INDEX idx_t1_id ON t1;\n";
  files["db/migrations/0157.up.sql"] = "CREATE TABLE t157 (id int);\n";
  files["db/migrations/0157.down.sql"] = "";
  files["db/migrations/000158_goose_function.sql"] = GOOSE;
  files["db/migrations/000159_dbmate_index.sql"] = DBMATE;
  files["db/migrations/000160_placeholder.up.sql"] = "-- nothing yet: kept for numbering\n";
  files["db/migrations/000160_placeholder.down.sql"] = "";
  return files;
}

/** Run SQL against the backend's database between CLI runs (PGlite: open its directory, then close). */
async function query(url: string, dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const target = url.startsWith("pglite:")
    ? { kind: "pglite" as const, dataDir: `${dir}/.confiture/db` }
    : parseDatabaseUrl(url, () => undefined);
  const db = await openDatabase(target);
  try {
    return await db.query(sql);
  } finally {
    await db.close();
  }
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] a golang-migrate chain with goose and dbmate files: validate, up, status, down`,
    ignore: backend.ignore,
    async fn() {
      await using fresh = await backend.fresh();
      const url = backend.name === "pglite" ? "pglite:./.confiture/db" : fresh.url;
      if (backend.name === "pglite") await fresh.db.close();
      await using p = await tempProject({ ...chain(), "db/environments/local.yaml": `database_url: ${url}\n` });
      const run = (...args: string[]) => runCli(["migrate", ...args, "--format", "json"], { cwd: p.dir });
      const q = (sql: string) => query(url, p.dir, sql);

      const v = await run("validate");
      assertEquals(v.code, 0, v.stdout + v.stderr);
      const issues = v.json<{ issues: { severity: string; code: string; file: string }[] }>().issues;
      assertEquals(issues.filter((i) => i.severity === "error"), []);
      assertEquals(issues.filter((i) => i.code === "NAME_MISMATCH").length, 8);
      assertEquals(
        issues.filter((i) => i.code !== "NAME_MISMATCH").map((i) => [i.code, i.file]),
        [
          ["DOWN_INVALID", "db/migrations/000009_add_index.down.sql"],
          ["DOWN_EMPTY", "db/migrations/0157.down.sql"],
          ["DOWN_EMPTY", "db/migrations/000160_placeholder.down.sql"],
        ],
      );

      const up = await run("up");
      assertEquals(up.code, 0, up.stdout + up.stderr);
      const applied = up.json<{ applied: string[] }>().applied;
      assertEquals(applied.length, 13, applied.join(" ")); // 8 pairs, the index, 0157, goose, dbmate, placeholder
      assertEquals(applied.slice(-4), ["0157", "000158", "000159", "000160"]);
      // The goose and dbmate down parts did not run on the way up.
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'bump_id'"))[0].n, 1);
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_t2_id'"))[0].n, 1);
      assertEquals((await q("SELECT count(*)::int AS n FROM tb_confiture"))[0].n, 13);

      const st = await run("status");
      assertEquals(st.code, 0, st.stderr);
      assertEquals(st.json<{ pending: string[] }>().pending, []);

      // The comment-only and the zero-byte downs, then the dbmate and goose down parts.
      const down = await run("down", "--steps", "4");
      assertEquals(down.code, 0, down.stdout + down.stderr);
      assertEquals(down.json<{ rolled_back: string[] }>().rolled_back, ["000160", "000159", "000158", "0157"]);
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'bump_id'"))[0].n, 0);
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_t2_id'"))[0].n, 0);
      // An empty down undoes nothing: the table stays, only the tracking row goes.
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't157'"))[0].n, 1);

      // The MySQL down blocks only its own rollback, before anything runs.
      const mysql = await run("down");
      assertEquals(mysql.code, 4, mysql.stdout + mysql.stderr);
      const err = mysql.json<{ error: { file: string; line: number } }>().error;
      assertEquals([err.file, err.line], ["db/migrations/000009_add_index.down.sql", 1]);
      assertEquals((await q("SELECT count(*)::int AS n FROM tb_confiture"))[0].n, 9);
      assertEquals((await q("SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_t1_id'"))[0].n, 1);

      const after = await run("status");
      assertEquals([after.code, after.json<{ pending: string[] }>().pending], [1, [
        "0157",
        "000158",
        "000159",
        "000160",
      ]]);
    },
  });
}

Deno.test("[pglite] a plain .up.sql holding a goose Down part is refused, naming goose; nothing runs", async () => {
  await using p = await tempProject({
    "db/migrations/001_users.up.sql": "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n",
    "db/environments/local.yaml": "database_url: pglite:./.confiture/db\n",
  });
  const r = await runCli(["migrate", "up", "--format", "json"], { cwd: p.dir });
  assertEquals(r.code, 5, r.stdout + r.stderr);
  const e = r.json<{ error: { code: string; message: string; line: number; hint: string } }>().error;
  assertEquals([e.code, e.line], ["FOREIGN_MARKERS", 3]);
  assertStringIncludes(e.message, "goose");
  assertStringIncludes(e.hint, "001_users.sql");
  const v = await runCli(["migrate", "validate", "--offline", "--format", "json"], { cwd: p.dir });
  assertEquals(v.code, 5);
  assertEquals(v.json<{ issues: { code: string }[] }>().issues.map((i) => i.code), ["MISSING_DOWN", "FOREIGN_MARKERS"]); // it has no .down.sql either
  await using db = await openDatabase({ kind: "pglite", dataDir: `${p.dir}/.confiture/db` });
  assertEquals((await db.query("SELECT to_regclass('users') IS NULL AS absent"))[0].absent, true);
});

Deno.test("code migrations (.go, .rb) are errors naming them; an embed.go is not a migration", async () => {
  await using p = await tempProject({
    "db/migrations/00001_init.sql": "-- +goose Up\nCREATE TABLE a (id int);\n",
    "db/migrations/00002_backfill.go": "package migrations\n",
    "db/migrations/20240101_add_x.rb": "class AddX; end\n",
    "db/migrations/embed.go": "package migrations\n",
  });
  const r = await runCli(["migrate", "status", "--database-url", "pglite:memory", "--format", "json"], {
    cwd: p.dir,
  });
  assertEquals(r.code, 5, r.stdout + r.stderr);
  const msg = r.json<{ error: { message: string } }>().error.message;
  assertStringIncludes(msg, "00002_backfill.go: a Go migration");
  assertStringIncludes(msg, "20240101_add_x.rb: a Ruby migration");
  assertNotIncludes(msg, "embed.go");
});

Deno.test("[server] an edited down warns on up/status/validate, blocks only down, and verify --accept records it", {
  ignore: NO_SERVER,
}, async () => {
  await using db = await freshServerDb();
  await using p = await tempProject({
    "db/migrations/001_a.up.sql": "CREATE TABLE a (id int);\n",
    "db/migrations/001_a.down.sql": "DROP TABLE a;\n",
    "db/environments/local.yaml": `database_url: ${db.url}\n`,
  });
  const run = (...args: string[]) => runCli(["migrate", ...args], { cwd: p.dir });
  assertEquals((await run("up")).code, 0);
  await p.write("db/migrations/001_a.down.sql", "DROP TABLE IF EXISTS a;\n");
  await p.write("db/migrations/002_b.up.sql", "CREATE TABLE b (id int);\n");
  await p.write("db/migrations/002_b.down.sql", "DROP TABLE b CASCADE CONSTRAINTS PURGE;\n"); // Oracle, not PostgreSQL

  const up = await run("up", "--format", "json");
  assertEquals(up.code, 0, up.stdout + up.stderr);
  assertEquals(up.json().applied, ["002"]);
  assertStringIncludes(up.stderr, "001_a.down.sql was edited after 001 was applied");
  assertEquals((await run("status")).code, 0);
  const v = await run("validate", "--format", "json");
  assertEquals(v.code, 0, v.stdout);
  const codes = v.json<{ issues: { severity: string; code: string }[] }>().issues.map((i) => `${i.severity}:${i.code}`);
  assertEquals(codes.sort(), ["warning:DOWN_CHECKSUM_MISMATCH", "warning:DOWN_INVALID"]);

  // 002's down does not parse: refused before anything runs.
  assertEquals((await run("down")).code, 4);
  await p.write("db/migrations/002_b.down.sql", "DROP TABLE b;\n");
  const ok2 = await run("down", "--steps", "2", "--format", "json");
  assertEquals(ok2.code, 5, ok2.stdout + ok2.stderr);
  const err = ok2.json<{ error: { code: string; hint: string } }>().error;
  assertEquals(err.code, "DOWN_CHECKSUM_MISMATCH");
  assertStringIncludes(err.hint, "migrate verify --accept");
  assertEquals((await db.db.query("SELECT count(*)::int AS n FROM tb_confiture"))[0].n, 2);

  assertEquals((await run("verify")).code, 1);
  const accept = await run("verify", "--accept", "--format", "json");
  assertEquals(accept.code, 0, accept.stdout + accept.stderr);
  const accepted = accept.json<{ accepted: { file: string; part: string }[] }>().accepted;
  // 002's down was rewritten after 002 was applied (with the Oracle text), so it is accepted too.
  assertEquals(accepted.map((a) => [a.file, a.part]), [
    ["db/migrations/001_a.down.sql", "down"],
    ["db/migrations/002_b.down.sql", "down"],
  ]);
  assertEquals((await run("verify")).code, 0);
  const down = await run("down", "--steps", "2", "--format", "json");
  assertEquals([down.code, down.json().rolled_back], [0, ["002", "001"]], down.stderr);
  assert((await db.db.query("SELECT to_regclass('a') IS NULL AS gone"))[0].gone);
});
