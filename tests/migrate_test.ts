/**
 * The Migrate medium through the library, on PGlite and on the server, each test in a fresh
 * database.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_helpers/assert.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { type TempProject, tempProject } from "./_helpers/project.ts";
import { MigrationRunError, MigrationUpError, Migrator } from "../src/migrate/migrator.ts";
import { ConfigError, IrreversibleError } from "../src/errors.ts";
import type { Database } from "../src/db/database.ts";

const MIGRATIONS: Record<string, string> = {
  "db/migrations/001_create_tb_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/migrations/001_create_tb_user.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_add_bio_to_users.up.sql": "ALTER TABLE tb_user ADD COLUMN bio TEXT;\n",
  "db/migrations/002_add_bio_to_users.down.sql": "ALTER TABLE tb_user DROP COLUMN bio;\n",
  "db/migrations/003_create_tb_post.up.sql":
    "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user);\nINSERT INTO tb_user VALUES (1, 'a');\n",
  "db/migrations/003_create_tb_post.down.sql": "DROP TABLE tb_post;\nDELETE FROM tb_user;\n",
};

async function tables(db: Database): Promise<string[]> {
  const rows = await db.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.t);
}

function migrator(db: Database, p: TempProject, extra: Record<string, unknown> = {}) {
  return Migrator.fromDatabase(db, { migrationsDir: "db/migrations", projectDir: p.dir, ...extra });
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] up applies pending migrations with their tracking rows; status reads them`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      const before = await m.status();
      assertEquals([before.initialized, before.pending], [false, ["001", "002", "003"]]);
      assertEquals(await tables(t.db), [], "status must not create the tracking table");

      const up = await m.up({ steps: 2 });
      assertEquals([up.applied, up.skipped, up.errors], [["001", "002"], ["003"], []]);
      assertEquals(up.migrations.map((r) => r.version), ["001", "002"]);
      const status = await m.status();
      assertEquals([status.applied, status.pending, status.hasPending], [["001", "002"], ["003"], true]);
      assertEquals(status.tracking_table, "public.tb_confiture");
      assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/.test(status.migrations[0].applied_at!));

      const rows = await t.db.query<
        { version: string; checksum: string; down_checksum: string; applied_by: string; slug: string }
      >(
        "SELECT version, checksum, down_checksum, applied_by, slug FROM tb_confiture ORDER BY version",
      );
      assertEquals(rows.map((r) => r.version), ["001", "002"]);
      assert(rows.every((r) => r.checksum.length === 64 && r.down_checksum.length === 64 && r.applied_by));
      const [times] = await t.db.query<{ ok: boolean }>(
        "SELECT bool_and(execution_time_ms >= 0) AS ok FROM tb_confiture",
      );
      assert(times.ok, "execution_time_ms is measured for every applied migration");
      assert(rows[0].slug.startsWith("create_tb_user_"));

      assertEquals((await m.up()).applied, ["003"]);
      assertEquals((await m.up()).applied, []);
      assertEquals(await tables(t.db), ["tb_confiture", "tb_post", "tb_user"]);
    },
  });

  Deno.test({
    name:
      `[${backend.name}] a failing migration rolls back alone; earlier ones stay; the error points at file:line:col`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject({
        ...MIGRATIONS,
        "db/migrations/004_broken.up.sql": "CREATE TABLE tb_half (a int);\n\nSELECT * FROM\n   nope_missing;\n",
      });
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      const e = await assertRejects(() => m.up(), MigrationUpError);
      assertEquals([e instanceof MigrationRunError, e.operation], [true, "up"]);
      assertEquals(
        e.message,
        'Cannot apply db/migrations/004_broken.up.sql:4:4: relation "nope_missing" does not exist',
      );
      assertEquals([e.file, e.line, e.column, e.exitCode], ["db/migrations/004_broken.up.sql", 4, 4, 1]);
      assertEquals(e.result.errors[0].sqlstate, "42P01");
      assertEquals(e.result.applied, ["001", "002", "003"]);
      assertEquals(await tables(t.db), ["tb_confiture", "tb_post", "tb_user"], "tb_half must not exist");
      assertEquals((await m.status()).pending, ["004"]);
    },
  });

  Deno.test({
    name: `[${backend.name}] the error's file:line:col counts characters past 'é' and emoji before the statement`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject({
        ...MIGRATIONS,
        "db/migrations/004_broken.up.sql":
          "-- é😀😀\nCREATE TABLE tb_half (a int);\n\nSELECT '😀', * FROM\n   nope_missing;\n",
      });
      await using t = await backend.fresh();
      const e = await assertRejects(() => migrator(t.db, p).up(), MigrationUpError);
      assertEquals([e.line, e.column], [5, 4]);
    },
  });

  Deno.test({
    name: `[${backend.name}] down rolls back newest first; a missing down file refuses before changing anything`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      await m.up();
      const down = await m.down({ steps: 2 });
      assertEquals(down.rolled_back, ["003", "002"]);
      assertEquals((await m.status()).applied, ["001"]);
      const cols = await t.db.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name='tb_user' AND column_name='bio'",
      );
      assertEquals(cols.length, 0);

      await m.up();
      await Deno.remove(`${p.dir}/db/migrations/002_add_bio_to_users.down.sql`);
      await assertRejects(() => m.down({ steps: 2 }), IrreversibleError, "002_add_bio_to_users: no .down.sql file");
      assertEquals((await m.status()).applied, ["001", "002", "003"], "nothing may be rolled back");
      assertEquals((await m.down({ target: "002" })).rolled_back, ["003"]);
    },
  });

  Deno.test({
    name: `[${backend.name}] dry runs change nothing, not even the tracking table`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      const r = await m.up({ dryRun: true });
      assertEquals([r.dry_run, r.applied, r.plan!.map((x) => x.version)], [true, [], ["001", "002", "003"]]);
      assertStringIncludes(
        r.plan![0].sql,
        "BEGIN;\n-- confiture's timeouts for this migration (not in the file)\nSET LOCAL lock_timeout = '5000ms';",
      );
      assertStringIncludes(r.plan![0].sql, "-- db/migrations/001_create_tb_user.up.sql:\nCREATE TABLE tb_user");
      // Confiture's own bookkeeping is marked as such, between the file's SQL and COMMIT.
      assert(
        /-- confiture's bookkeeping \(not in the file\): the tracking-table row\n[^\n]*tb_confiture[\s\S]*\nCOMMIT;$/
          .test(r.plan![0].sql),
        r.plan![0].sql,
      );
      assertEquals(await tables(t.db), []);
      await m.up();
      const d = await m.down({ dryRun: true, steps: 3 });
      assertEquals(d.plan!.map((x) => x.version), ["003", "002", "001"]);
      assertEquals((await m.status()).applied.length, 3);
    },
  });

  Deno.test({
    name: `[${backend.name}] an edited applied migration stops up; line-ending changes do not`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      await m.up({ steps: 2 });
      const path = `${p.dir}/db/migrations/001_create_tb_user.up.sql`;
      await Deno.writeTextFile(path, MIGRATIONS["db/migrations/001_create_tb_user.up.sql"].replaceAll("\n", "\r\n"));
      assertEquals((await m.verify()).ok, true);
      await Deno.writeTextFile(path, "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY);\n");
      const err = await assertRejects(
        () => m.up(),
        ConfigError,
        "db/migrations/001_create_tb_user.up.sql was edited after it was applied",
      );
      assertEquals((err as ConfigError).exitCode, 5);
      assertEquals((await m.status()).pending, ["003"], "nothing applied after the mismatch");
      const v = await m.verify();
      assertEquals([v.ok, v.issues.map((i) => [i.version, i.kind])], [false, [["001", "modified"]]]);
    },
  });

  Deno.test({
    name: `[${backend.name}] baseline and reinit rewrite tracking rows without running SQL`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p);
      const b = await m.baseline({ through: "002_add_bio_to_users" });
      assertEquals(b.marked, ["001", "002"]);
      assertEquals(await tables(t.db), ["tb_confiture"], "baseline runs no migration SQL");
      assertEquals((await m.baseline({ through: "2" })).already_applied, ["001", "002"]);
      await assertRejects(() => m.baseline({ through: "009" }), ConfigError, "Unknown version");
      const dry = await m.reinit({ dryRun: true });
      assertEquals([dry.deleted, dry.marked], [2, ["001", "002", "003"]]);
      assertEquals((await m.status()).applied, ["001", "002"]);
      const r = await m.reinit({ through: "003" });
      assertEquals([r.deleted, r.marked], [2, ["001", "002", "003"]]);
      const slugs = await t.db.query<{ slug: string }>("SELECT slug FROM tb_confiture");
      assert(slugs.every((s) => s.slug.endsWith("_reinit")));
    },
  });

  Deno.test({
    name: `[${backend.name}] a schema-qualified tracking table, and rows whose files are gone show as missing`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      const m = migrator(t.db, p, { trackingTable: "audit.schema_migrations" });
      await m.up();
      const s = await m.status();
      assertEquals(s.tracking_table, "audit.schema_migrations");
      await Deno.remove(`${p.dir}/db/migrations/003_create_tb_post.up.sql`);
      await Deno.remove(`${p.dir}/db/migrations/003_create_tb_post.down.sql`);
      const after = await m.status();
      assertEquals(after.migrations.map((x) => [x.version, x.status]), [["001", "applied"], ["002", "applied"], [
        "003",
        "missing",
      ]]);
      assertEquals(after.hasPending, false);
    },
  });

  Deno.test({
    name: `[${backend.name}] a database tracked by the Python original is read and continued`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(MIGRATIONS);
      await using t = await backend.fresh();
      // The Python original's DDL and rows: raw-bytes SHA-256, no down_checksum column.
      const text = MIGRATIONS["db/migrations/001_create_tb_user.up.sql"];
      const raw = Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      await t.db.exec(`CREATE TABLE tb_confiture (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        pk_confiture BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        slug TEXT NOT NULL UNIQUE, version VARCHAR(255) NOT NULL UNIQUE, name VARCHAR(255) NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), execution_time_ms INTEGER, checksum VARCHAR(64), applied_by TEXT);
        ${text}
        INSERT INTO tb_confiture (id, slug, version, name, execution_time_ms, checksum)
        VALUES (gen_random_uuid(), 'create_tb_user_20260101_000000', '001', 'create_tb_user', 5, '${raw}');`);
      const m = migrator(t.db, p);
      assertEquals((await m.status()).applied, ["001"]);
      assertEquals((await m.up()).applied, ["002", "003"]);
      assertEquals((await m.verify()).ok, true);
    },
  });
}

// `up` sends several migrations before the first answers (server only); these pin down that a
// failure or a lock-timeout retry in the middle behaves exactly as one-at-a-time would.
function manyMigrations(n: number, override: Record<number, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) {
    const v = String(i).padStart(3, "0");
    files[`db/migrations/${v}_step_${i}.up.sql`] = override[i] ??
      `CREATE TABLE t${i} (id int PRIMARY KEY);\nINSERT INTO t${i} VALUES (${i});\n`;
    files[`db/migrations/${v}_step_${i}.down.sql`] = `DROP TABLE t${i};\n`;
  }
  return files;
}

Deno.test({
  name: "[server] a failure in the middle of a pipelined run leaves every later migration untouched",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject(
      manyMigrations(14, {
        5: "CREATE TABLE t5 (id int PRIMARY KEY);\nINSERT INTO t5 VALUES (1), (1);\n",
      }),
    );
    await using t = await freshServerDb();
    const m = migrator(t.db, p);
    const e = await assertRejects(() => m.up(), MigrationUpError);
    assertEquals([e.file, e.line, e.result.errors[0].sqlstate], ["db/migrations/005_step_5.up.sql", 2, "23505"]);
    assertEquals(e.result.applied, ["001", "002", "003", "004"]);
    assertEquals(await tables(t.db), ["t1", "t2", "t3", "t4", "tb_confiture"]);
    assertEquals((await m.status()).pending.length, 10);
    // Fixed, the rest applies once each, in order.
    await p.write("db/migrations/005_step_5.up.sql", "CREATE TABLE t5 (id int PRIMARY KEY);\n");
    assertEquals((await m.up()).applied.length, 10);
    const rows = await t.db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY applied_at, version");
    assertEquals(rows.map((r) => Number(r.version)), Array.from({ length: 14 }, (_, i) => i + 1));
  },
});

Deno.test({
  name: "[server] files that only create objects travel as one message; a failure still names its statement",
  ignore: NO_SERVER,
  async fn() {
    const creates = (i: number) => `CREATE TABLE t${i} (id int PRIMARY KEY);\nCREATE INDEX t${i}_id ON t${i} (id);\n`;
    const files = manyMigrations(14, Object.fromEntries(Array.from({ length: 14 }, (_, i) => [i + 1, creates(i + 1)])));
    // No position in the server's error: the file runs again statement by statement to find it.
    files["db/migrations/005_step_5.up.sql"] = "CREATE TABLE t5 (id int);\n  CREATE TABLE t5 (id int);\n";
    await using p = await tempProject(files);
    await using t = await freshServerDb();
    const events: { type: string; version?: string }[] = [];
    const m = Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir }, {
      onEvent: (ev) => events.push(ev as { type: string; version?: string }),
    });
    const e = await assertRejects(() => m.up(), MigrationUpError);
    assertEquals([e.file, e.line, e.column, e.result.errors[0].sqlstate], [
      "db/migrations/005_step_5.up.sql",
      2,
      3,
      "42P07",
    ]);
    assertEquals(e.result.applied, ["001", "002", "003", "004"]);
    assertEquals(events.filter((ev) => ev.type === "migration.start" && ev.version === "005").length, 1);
    assertEquals(await tables(t.db), ["t1", "t2", "t3", "t4", "tb_confiture"]);
    // With a position, the error is placed without running anything again.
    await p.write("db/migrations/005_step_5.up.sql", creates(5));
    await p.write("db/migrations/007_step_7.up.sql", "CREATE TABLE t7 (id int);\nCREATE INDEX i7 ON t7 (nope);\n");
    const e7 = await assertRejects(() => m.up(), MigrationUpError);
    assertEquals([e7.file, e7.line, e7.result.errors[0].sqlstate], ["db/migrations/007_step_7.up.sql", 2, "42703"]);
    await p.write("db/migrations/007_step_7.up.sql", creates(7));
    assertEquals((await m.up()).applied.length, 8);
    const rows = await t.db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY applied_at, version");
    assertEquals(rows.map((r) => Number(r.version)), Array.from({ length: 14 }, (_, i) => i + 1));
    assertEquals((await tables(t.db)).length, 15);
  },
});

/**
 * Run `up` on 12 migrations while another session holds `busy` exclusively until the first
 * retry is announced, so that migration 4 times out and is retried whatever the machine's
 * speed; check every migration applied exactly once, and return the event types.
 */
async function upWhileBusyIsLocked(db: Database, projectDir: string): Promise<string[]> {
  const holder = await db.reserve();
  await holder.exec("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE");
  const events: string[] = [];
  let release: Promise<void> | undefined;
  const m = Migrator.fromDatabase(db, { migrationsDir: "db/migrations", projectDir }, {
    onEvent: (ev) => {
      events.push(ev.type);
      if (ev.type === "migration.retry" && !release) release = holder.exec("COMMIT").then(() => holder.release());
    },
  });
  const up = await m.up().finally(() => release ?? holder.exec("COMMIT").then(() => holder.release()));
  await release;
  assertEquals(up.applied.length, 12);
  assert(events.includes("migration.retry"), `a retry was announced: ${events.join(", ")}`);
  const [row] = await db.query<{ n: number; distinct_n: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT version)::int AS distinct_n FROM tb_confiture",
  );
  assertEquals([row.n, row.distinct_n], [12, 12]);
  return events;
}

Deno.test({
  name: "[server] a lock timeout in the middle of a pipelined run is retried and nothing applies twice",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject(
      manyMigrations(12, {
        4: "-- confiture:lock_timeout=300ms\nALTER TABLE busy ADD COLUMN note text;\n",
      }),
    );
    await p.write("db/migrations/004_step_4.down.sql", "ALTER TABLE busy DROP COLUMN note;\n");
    await using t = await freshServerDb();
    await t.db.exec("CREATE TABLE busy (id int)");
    const events = await upWhileBusyIsLocked(t.db, p.dir);
    assertEquals(events.filter((e) => e === "migration.done").length, 12);
    assertEquals((await t.db.query("SELECT note FROM busy")).length, 0, "the ALTER ran");
  },
});

Deno.test({
  name: "[server] a lock timeout in a one-message file is retried like any other, and applies once",
  ignore: NO_SERVER,
  async fn() {
    const creates = (i: number) => `CREATE TABLE t${i} (id int PRIMARY KEY);\nCREATE INDEX t${i}_id ON t${i} (id);\n`;
    await using p = await tempProject(
      manyMigrations(12, {
        ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [i + 1, creates(i + 1)])),
        // A foreign key locks the table it references.
        4: "-- confiture:lock_timeout=300ms\nCREATE TABLE child (id int REFERENCES busy (id));\n",
      }),
    );
    await p.write("db/migrations/004_step_4.down.sql", "DROP TABLE child;\n");
    await using t = await freshServerDb();
    await t.db.exec("CREATE TABLE busy (id int PRIMARY KEY)");
    const events = await upWhileBusyIsLocked(t.db, p.dir);
    assertEquals(events.filter((e) => e === "migration.start").length, 12);
    assertEquals((await tables(t.db)).includes("child"), true);
  },
});
