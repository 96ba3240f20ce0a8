/**
 * Build from DDL as a library: discovery, order, exclusions, hash, unterminated files, and
 * applying to real databases with errors mapped back to the source file.
 */
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { LOCK_CLASSID, lockObjectId } from "../src/migrate/lock.ts";
import { tempProject } from "./_helpers/project.ts";
import { loadEnvironment } from "../src/config/load.ts";
import { buildSchema } from "../src/build/build.ts";
import { applySchemaBuild } from "../src/build/apply.ts";
import { applySeeds } from "../src/build/apply_seeds.ts";
import { discoverSeeds } from "../src/build/seeds.ts";
import { discoverMigrations } from "../src/migrate/files.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import { LockError, SchemaError } from "../src/errors.ts";

async function built(files: Record<string, string>, yaml = "name: test\n") {
  await using p = await tempProject({ "db/environments/test.yaml": yaml, ...files });
  const e = await loadEnvironment({ projectDir: p.dir, env: "test", getEnv: () => undefined, offline: true });
  return await buildSchema(e);
}

async function rejects(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

Deno.test("build orders files by path with numeric components, recursively", async () => {
  const b = await built({
    "db/schema/20_views/v.sql": "SELECT 1;",
    "db/schema/10_tables/10_b.sql": "SELECT 1;",
    "db/schema/10_tables/2_a.sql": "SELECT 1;",
    "db/schema/00_common/ext.sql": "SELECT 1;",
    "db/schema/10_tables/deep/1_x.sql": "SELECT 1;",
    "db/schema/10_tables/notes.txt": "not sql",
  });
  assertEquals(b.files, [
    "db/schema/00_common/ext.sql",
    "db/schema/10_tables/2_a.sql",
    "db/schema/10_tables/10_b.sql",
    "db/schema/10_tables/deep/1_x.sql",
    "db/schema/20_views/v.sql",
  ]);
  const markers = [...b.text.matchAll(/^-- File: (.*)$/gm)].map((m) => m[1]);
  assertEquals(markers, b.files);
  assertStringIncludes(b.text, "-- Environment: test\n-- Files: 5\n");
});

Deno.test("exclude globs from exclude_dirs and build.exclude; overlapping include dirs counted once", async () => {
  const b = await built(
    {
      "db/schema/10_tables/a.sql": "SELECT 1;",
      "db/schema/10_tables/a_draft.sql": "SELECT 1;",
      "db/schema/99_scratch/x.sql": "SELECT 1;",
      "db/schema/old/backup.bak.sql": "SELECT 1;",
      "db/extra/e.sql": "SELECT 1;",
    },
    [
      "name: test",
      "include_dirs: [db/schema, db/schema/10_tables, db/extra]",
      "exclude_dirs: [db/schema/99_scratch]",
      "build:",
      "  exclude: ['**/*_draft.sql', '*.bak.sql']",
      "",
    ].join("\n"),
  );
  assertEquals(b.files, ["db/extra/e.sql", "db/schema/10_tables/a.sql"]);
});

Deno.test("no SQL files is a schema error (exit 4)", async () => {
  const e = await rejects(() => built({ "db/schema/readme.md": "#" }));
  assert(e instanceof SchemaError, String(e));
  assertEquals(e.exitCode, 4);
  assertStringIncludes(e.message, "No .sql files found in db/schema");
});

Deno.test("the schema hash depends on paths, contents and order, not on where the project lives", async () => {
  const files = { "db/schema/1_a.sql": "CREATE TABLE a ();\n", "db/schema/2_b.sql": "CREATE TABLE b ();\n" };
  const [one, two] = [await built(files), await built(files)];
  assertEquals(one.hash, two.hash);
  assertEquals(one.text, two.text);
  assert(/^[0-9a-f]{64}$/.test(one.hash));
  assertStringIncludes(one.text, `-- Schema hash: ${one.hash}\n`);
  const edited = await built({ ...files, "db/schema/2_b.sql": "CREATE TABLE b (x int);\n" });
  assertNotEquals(edited.hash, one.hash);
  const renamed = await built({
    "db/schema/1_a.sql": files["db/schema/1_a.sql"],
    "db/schema/3_b.sql": files["db/schema/2_b.sql"],
  });
  assertNotEquals(renamed.hash, one.hash);
  const otherEnv = await built(files, "name: staging\n");
  assertEquals(otherEnv.hash, one.hash);
  const windows = await built({
    "db/schema/1_a.sql": "\uFEFFCREATE TABLE a ();\r\n",
    "db/schema/2_b.sql": "CREATE TABLE b ();\r\n",
  });
  assertEquals([windows.hash, windows.text], [one.hash, one.text]);
});

Deno.test("a file ending inside a block comment or a string is refused, naming the file", async () => {
  for (
    const [content, kind, line] of [
      ["CREATE TABLE a ();\n/* unfinished\n", "block comment", 2],
      ["INSERT INTO a VALUES ('oops);\n", "string", 1],
      ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n", "dollar-quoted string", 1],
    ] as const
  ) {
    const e = await rejects(() => built({ "db/schema/1_a.sql": content, "db/schema/2_b.sql": "CREATE TABLE b ();" }));
    assert(e instanceof SchemaError, String(e));
    assertEquals([e.exitCode, e.file, e.line], [4, "db/schema/1_a.sql", line]);
    assertStringIncludes(e.message, `unterminated ${kind}`);
  }
});

const SCHEMA = {
  "db/schema/10_tables/1_tb_user.sql": "CREATE TABLE tb_user (\n  pk_user int PRIMARY KEY,\n  name text NOT NULL\n);\n",
  "db/schema/10_tables/2_tb_post.sql":
    "-- posts\nCREATE TABLE tb_post (\n  pk_post int PRIMARY KEY,\n  fk_user int REFERENCES tb_user (pk_user)\n);\n",
  "db/schema/20_views/v_user.sql":
    "CREATE VIEW v_user AS\n  SELECT pk_user, jsonb_build_object('name', name) AS data\n    FROM tb_user;\n",
  "db/migrations/001_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/migrations/001_user.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_post.up.sql": "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user);\n",
  "db/seeds/common/1_users.sql": "INSERT INTO tb_user VALUES (1, 'common');\n",
  "db/seeds/test/1_more.sql": "INSERT INTO tb_user VALUES (2, 'test only');\n",
  "db/seeds/other/1_no.sql": "INSERT INTO tb_user VALUES (3, 'other env');\n",
};

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `apply: one transaction, migrations recorded as _build, migrate up continues, seeds in order (${backend.name})`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await using p = await tempProject({ "db/environments/test.yaml": "name: test\n", ...SCHEMA });
      const e = await loadEnvironment({ projectDir: p.dir, env: "test", getEnv: () => undefined, offline: true });
      const b = await buildSchema(e);
      const r = await applySchemaBuild(t.db, b, {
        migrations: await discoverMigrations(e.migrationsDir),
        trackingTable: e.migration.trackingTable,
      });
      assertEquals(r.migrationsRecorded, ["001", "002"]);
      const rows = await t.db.query<{ version: string; slug: string }>(
        "SELECT version, slug FROM tb_confiture ORDER BY version",
      );
      assertEquals(rows.map((x) => x.version), ["001", "002"]);
      assert(rows.every((x) => x.slug.endsWith("_build")), JSON.stringify(rows));

      const seeds = await discoverSeeds(e);
      assertEquals(seeds.map((s) => s.relativePath), ["db/seeds/common/1_users.sql", "db/seeds/test/1_more.sql"]);
      assertEquals(await applySeeds(t.db, seeds), 2);
      assertEquals((await t.db.query("SELECT name FROM tb_user ORDER BY pk_user")).map((x) => x.name), [
        "common",
        "test only",
      ]);

      // A migration written after the build is the only one `up` applies.
      await p.write("db/migrations/003_bio.up.sql", "ALTER TABLE tb_user ADD COLUMN bio text;\n");
      const m = Migrator.fromDatabase(t.db, { migrationsDir: e.migrationsDir, projectDir: p.dir });
      assertEquals((await m.up()).applied, ["003"]);
      assertEquals((await t.db.query("SELECT count(*)::int AS n FROM v_user"))[0].n, 2);
    },
  });

  Deno.test({
    name: `apply errors name the source file, line and column, and change nothing (${backend.name})`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const cases: [Record<string, string>, string, string][] = [
        // A parse error: the position is in the concatenated text.
        [
          { "db/schema/3_bad.sql": "-- é ✓ 😀\nCREATE TABLE c (\n  id int,\n  oops oops oops\n);\n" },
          "db/schema/3_bad.sql:4:13",
          "syntax error",
        ],
        // An analysis error with a position.
        [
          { "db/schema/3_bad.sql": "CREATE VIEW v AS\n  SELECT missing_col FROM a;\n" },
          "db/schema/3_bad.sql:2:10",
          "missing_col",
        ],
        // An execution error without a position: found by replaying file by file.
        [
          { "db/schema/3_bad.sql": "CREATE TABLE c (x int);\n\n  CREATE TABLE e (x int REFERENCES nowhere (id));\n" },
          "db/schema/3_bad.sql:3:3",
          "nowhere",
        ],
        // Not allowed in a transaction: located by replay too, with a hint.
        [
          { "db/schema/3_bad.sql": "CREATE TABLE c (x int);\nCREATE INDEX CONCURRENTLY c_x ON c (x);\n" },
          "db/schema/3_bad.sql:2:1",
          "CONCURRENTLY",
        ],
      ];
      for (const [extra, where, words] of cases) {
        await using p = await tempProject({
          "db/environments/test.yaml": "name: test\n",
          "db/schema/1_a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
          "db/schema/2_b.sql": "CREATE TABLE b (id int);",
          ...extra,
          "db/schema/4_d.sql": "CREATE TABLE d (id int);\n",
        });
        const e = await loadEnvironment({ projectDir: p.dir, env: "test", getEnv: () => undefined, offline: true });
        const err = await rejects(async () => applySchemaBuild(t.db, await buildSchema(e)));
        assert(err instanceof SchemaError, String(err));
        assertStringIncludes(err.message, `Cannot apply ${where}: `);
        assertStringIncludes(err.message, words);
        assertEquals(err.file, "db/schema/3_bad.sql");
        if (words === "CONCURRENTLY") assertStringIncludes(err.hint ?? "", "applied in one transaction");
        const left = await t.db.query("SELECT relname FROM pg_class WHERE relname IN ('a', 'b', 'd')");
        assertEquals(left, [], "the failed build must leave nothing behind");
      }
    },
  });
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `seeds with COPY … FROM stdin blocks load through COPY; a bad data line is named (${backend.name})`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec("CREATE TABLE t (id int PRIMARY KEY, name text)");
      const seed =
        "-- pg_dump style\nCOPY t (id, name) FROM stdin;\n1\talice\n2\t\\N\n\\.\nINSERT INTO t VALUES (3, 'c');\n";
      assertEquals(await applySeeds(t.db, [{ relativePath: "db/seeds/common/1_t.sql", content: seed }]), 1);
      assertEquals(await t.db.query("SELECT id, name FROM t ORDER BY id"), [
        { id: 1, name: "alice" },
        { id: 2, name: null },
        { id: 3, name: "c" },
      ]);
      const bad = "\nCOPY t (id, name) FROM stdin;\n10\tok\nnot-a-number\tx\n\\.\n";
      const err = await rejects(() => applySeeds(t.db, [{ relativePath: "db/seeds/common/2_bad.sql", content: bad }]));
      assertStringIncludes(
        err.message,
        "Cannot seed db/seeds/common/2_bad.sql:4:1: invalid input syntax for type integer",
      );
      assertEquals((await t.db.query("SELECT count(*)::int AS n FROM t"))[0].n, 3);
    },
  });
}

Deno.test("apply with an empty migrations folder still creates the tracking table", async () => {
  const { freshPglite } = await import("./_helpers/db.ts");
  await using db = await freshPglite();
  const b = await built({ "db/schema/1_a.sql": "CREATE TABLE a (id int);" });
  assertEquals((await applySchemaBuild(db, b, { migrations: [] })).migrationsRecorded, []);
  assertEquals(await db.query("SELECT count(*)::int AS n FROM tb_confiture"), [{ n: 0 }]);
});

Deno.test({
  name: "apply with migrations waits for the migration lock; times out with exit 6 and changes nothing (server)",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    const holder = await t.db.reserve();
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASSID, lockObjectId(t.name)]);
      const b = await built({ "db/schema/1_a.sql": "CREATE TABLE a (id int);" });
      const err = await rejects(() => applySchemaBuild(t.db, b, { migrations: [], lockTimeoutMs: 200 }));
      assert(err instanceof LockError, String(err));
      assertEquals(err.exitCode, 6);
      assertEquals(await t.db.query("SELECT to_regclass('a') AS t"), [{ t: null }]);
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()");
      await holder.release();
    }
    const b = await built({ "db/schema/1_a.sql": "CREATE TABLE a (id int);" });
    await applySchemaBuild(t.db, b, { migrations: [], lockTimeoutMs: 200 });
    assertEquals(await t.db.query("SELECT to_regclass('a')::text AS t"), [{ t: "a" }]);
  },
});

Deno.test("a tracking table the schema already took is reported as such, not blamed on a schema file", async () => {
  const { freshPglite } = await import("./_helpers/db.ts");
  await using db = await freshPglite();
  await using p = await tempProject({
    "db/environments/test.yaml": "name: test\n",
    "db/schema/1_a.sql": "CREATE TABLE tb_confiture (id int);\n",
    "db/migrations/001_a.up.sql": "CREATE TABLE tb_confiture (id int);\n",
  });
  const e = await loadEnvironment({ projectDir: p.dir, env: "test", getEnv: () => undefined, offline: true });
  const err = await rejects(async () =>
    applySchemaBuild(db, await buildSchema(e), { migrations: await discoverMigrations(e.migrationsDir) })
  );
  assert(err instanceof SchemaError, String(err));
  assertStringIncludes(err.message, "Cannot record migrations in tb_confiture: ");
  assertEquals(await db.query("SELECT to_regclass('tb_confiture') AS t"), [{ t: null }]);
});

Deno.test("a failing seed names the seed file and keeps no seed rows", async () => {
  const { freshPglite } = await import("./_helpers/db.ts");
  await using db = await freshPglite();
  await db.exec("CREATE TABLE t (id int PRIMARY KEY);");
  const err = await rejects(() =>
    applySeeds(db, [
      { relativePath: "db/seeds/common/1_ok.sql", content: "INSERT INTO t VALUES (1);" },
      {
        relativePath: "db/seeds/common/2_bad.sql",
        content: "\nINSERT INTO t VALUES (2);\nINSERT INTO nope VALUES (1);",
      },
    ])
  );
  assertStringIncludes(err.message, 'Cannot seed db/seeds/common/2_bad.sql:3:13: relation "nope" does not exist');
  assertEquals((await db.query("SELECT count(*)::int AS n FROM t"))[0].n, 0);

  // No position from the server (a unique violation): the statement is found by replaying.
  const dup = await rejects(() =>
    applySeeds(db, [{
      relativePath: "db/seeds/common/3_dup.sql",
      content: "INSERT INTO t VALUES (1);\n  INSERT INTO t VALUES (1);\n",
    }])
  );
  assertStringIncludes(dup.message, "Cannot seed db/seeds/common/3_dup.sql:2:3: duplicate key value");
});
