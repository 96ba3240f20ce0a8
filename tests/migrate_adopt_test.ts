/**
 * `confiture migrate adopt` on the real server: each other tool's history table is created
 * with the exact shape that tool uses, the schema its migrations built is in place, and after
 * adopting, `migrate status` shows them applied and `migrate up` applies only the rest.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER, type TempServerDb } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { migrationChecksum, sha256Hex } from "../src/migrate/checksum.ts";
import { LOCK_CLASSID, lockObjectId } from "../src/migrate/lock.ts";

const V = ["20240101000001", "20240101000002", "20240101000003", "20240101000004"];
const UP: Record<string, string> = {
  [`${V[0]}_create_users`]: "CREATE TABLE users (id int PRIMARY KEY);\n",
  [`${V[1]}_add_email`]: "ALTER TABLE users ADD COLUMN email text;\n",
  [`${V[2]}_create_posts`]: "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users);\n",
  [`${V[3]}_index_posts`]: "CREATE INDEX posts_user_idx ON posts (user_id);\n",
};
const DOWN: Record<string, string> = {
  [`${V[0]}_create_users`]: "DROP TABLE users;\n",
  [`${V[1]}_add_email`]: "ALTER TABLE users DROP COLUMN email;\n",
  [`${V[2]}_create_posts`]: "DROP TABLE posts;\n",
  [`${V[3]}_index_posts`]: "DROP INDEX posts_user_idx;\n",
};
const FILES = Object.fromEntries(
  Object.entries(UP).flatMap(([stem, sql]) => [
    [`db/migrations/${stem}.up.sql`, sql],
    [`db/migrations/${stem}.down.sql`, DOWN[stem]],
  ]),
);

/** The schema the first three migrations built, as the other tool left it. */
const FIRST_THREE = Object.values(UP).slice(0, 3).join("");

interface Adopted {
  ok: boolean;
  from: string;
  source_table: string;
  adopted: { version: string; name: string; recorded_as: string }[];
  already_recorded: string[];
  missing_files: { version: string; name: string | null }[];
  not_applied_between: { version: string; name: string }[];
  pending: string[];
  dry_run: boolean;
}

async function project(db: TempServerDb) {
  return await tempProject({ ...FILES, "db/environments/local.yaml": `database_url: "${db.url}"\n` });
}

async function tracked(db: TempServerDb) {
  return await db.db.query<{ version: string; name: string; checksum: string; down: string | null; slug: string }>(
    "SELECT version, name, checksum, down_checksum AS down, slug FROM tb_confiture ORDER BY version",
  );
}

/** Adopt, then check status and that up applies only the fourth migration. */
async function adoptThenUp(db: TempServerDb, tool: string, recordedAs: string[]) {
  await using p = await project(db);
  const dry = await runCli(["migrate", "adopt", "--dry-run", "-f", "json"], { cwd: p.dir });
  assertEquals(dry.code, 0, dry.stdout + dry.stderr);
  const planned = dry.json<Adopted>();
  assertEquals([...planned.adopted.map((a) => a.version), ...planned.already_recorded], V.slice(0, 3));
  const [{ exists }] = await db.db.query<{ exists: boolean }>(
    "SELECT to_regclass('public.tb_confiture') IS NOT NULL AS exists",
  );
  assertEquals(exists, tool === "confiture-python", "--dry-run creates nothing");

  const r = await runCli(["migrate", "adopt", "-f", "json"], { cwd: p.dir });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const out = r.json<Adopted>();
  assertEquals([out.ok, out.from, out.dry_run, out.pending], [true, tool, false, [V[3]]]);
  if (tool !== "confiture-python") {
    assertEquals(out.adopted.map((a) => [a.version, a.recorded_as]), V.slice(0, 3).map((v, i) => [v, recordedAs[i]]));
    const rows = await tracked(db);
    assertEquals(rows.map((t) => [t.version, t.name]), [
      [V[0], "create_users"],
      [V[1], "add_email"],
      [V[2], "create_posts"],
    ]);
    for (const row of rows) {
      assertEquals(row.checksum, migrationChecksum(UP[`${row.version}_${row.name}`]));
      assertEquals(row.down, migrationChecksum(DOWN[`${row.version}_${row.name}`]));
      assert(row.slug.endsWith("_adopt"), row.slug);
    }
  }
  const status = await runCli(["migrate", "status", "-f", "json"], { cwd: p.dir });
  assertEquals(status.code, 1, status.stderr);
  const st = status.json<{ applied: string[]; pending: string[] }>();
  assertEquals([st.applied, st.pending], [V.slice(0, 3), [V[3]]]);

  const up = await runCli(["migrate", "up", "-f", "json"], { cwd: p.dir });
  assertEquals(up.code, 0, up.stdout + up.stderr);
  assertEquals(up.json<{ applied: string[] }>().applied, [V[3]]);
  const again = await runCli(["migrate", "adopt", "--from", tool, "-f", "json"], { cwd: p.dir });
  if (tool === "confiture-python") {
    assertEquals(again.code, 5, "once Confiture has written its own columns, the table is no longer the Python tool's");
  } else {
    assertEquals(again.code, 0, again.stdout + again.stderr);
    assertEquals(again.json<Adopted>().adopted, [], "adopting twice records nothing new");
  }
}

Deno.test({
  name: "adopt golang-migrate: schema_migrations(version bigint, dirty boolean) at version 3 covers 1..3",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`${FIRST_THREE}
      CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null);
      INSERT INTO schema_migrations (version, dirty) VALUES (${V[2]}, false);`);
    await adoptThenUp(db, "golang-migrate", V.slice(0, 3));
  },
});

Deno.test({
  name: "adopt golang-migrate: a dirty version is refused with the force command to run; nothing is recorded",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`
      CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null);
      INSERT INTO schema_migrations (version, dirty) VALUES (${V[2]}, true);`);
    await using p = await project(db);
    const r = await runCli(["migrate", "adopt", "-f", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    const e = r.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
    assertEquals([e.ok, e.error.code], [false, "ADOPT_DIRTY"]);
    assertStringIncludes(e.error.message, `golang-migrate left version ${V[2]} dirty in public.schema_migrations`);
    assertStringIncludes(e.error.hint, `migrate -path db/migrations -database "$DATABASE_URL" force ${V[2]}`);
    assertStringIncludes(e.error.hint, "UPDATE public.schema_migrations SET dirty = false");
    const text = await runCli(["migrate", "adopt"], { cwd: p.dir });
    assertEquals(text.code, 1);
    assertStringIncludes(text.stderr, "dirty");
    const [{ exists }] = await db.db.query<{ exists: boolean }>(
      "SELECT to_regclass('tb_confiture') IS NOT NULL AS exists",
    );
    assertEquals(exists, false);
  },
});

Deno.test({
  name: "adopt dbmate: schema_migrations(version varchar) rows; unknown versions and skipped files are reported",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`${FIRST_THREE}
      create table if not exists public.schema_migrations (version varchar(128) primary key);
      insert into public.schema_migrations (version) values ('${V[0]}'), ('${V[1]}'), ('${V[2]}');`);
    await adoptThenUp(db, "dbmate", V.slice(0, 3));
  },
});

Deno.test({
  name: "adopt dbmate: a version with no file and a file in between that was never applied are both reported",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`create table if not exists public.schema_migrations (version varchar(128) primary key);
      insert into public.schema_migrations (version) values ('20231231000000'), ('${V[0]}'), ('${V[2]}');`);
    await using p = await project(db);
    const r = await runCli(["migrate", "adopt", "-f", "json"], { cwd: p.dir });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const out = r.json<Adopted>();
    assertEquals(out.adopted.map((a) => a.version), [V[0], V[2]]);
    assertEquals(out.missing_files, [{ version: "20231231000000", name: null }]);
    assertEquals(out.not_applied_between, [{ version: V[1], name: "add_email" }]);
    assertEquals(out.pending, [V[3]]);
    await db.db.exec("DELETE FROM tb_confiture");
    const text = await runCli(["migrate", "adopt"], { cwd: p.dir });
    assertEquals(text.code, 0, text.stderr);
    assertStringIncludes(
      text.stderr,
      "dbmate records 1 version with no file in the migrations folder: 20231231000000 (not recorded)",
    );
    assertStringIncludes(text.stderr, `but dbmate never applied them: ${V[1]}_add_email`);
    assertStringIncludes(text.stdout, "Recorded 2 migrations applied by dbmate (public.schema_migrations)");
  },
});

Deno.test({
  name: "adopt dbmate: a history table in a schema whose name holds a dot is read by its quoted name",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`CREATE SCHEMA "my.app";
      ALTER DATABASE ${db.name} SET search_path = "my.app", public;
      create table "my.app".schema_migrations (version varchar(128) primary key);
      insert into "my.app".schema_migrations (version) values ('${V[0]}'), ('${V[1]}');`);
    await using p = await project(db);
    const r = await runCli(["migrate", "adopt", "--dry-run", "-f", "json"], { cwd: p.dir });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const out = r.json<Adopted>();
    assertEquals([out.from, out.source_table], ["dbmate", "my.app.schema_migrations"]);
    assertEquals(out.adopted.map((a) => a.version), V.slice(0, 2));
  },
});

Deno.test({
  name: "adopt goose: goose_db_version log, the newest row per version decides (a rolled-back 4 stays pending)",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`${FIRST_THREE}
      CREATE TABLE goose_db_version (
        id serial NOT NULL,
        version_id bigint NOT NULL,
        is_applied boolean NOT NULL,
        tstamp timestamp NULL default now(),
        PRIMARY KEY(id));
      INSERT INTO goose_db_version (version_id, is_applied) VALUES
        (0, true), (${V[0]}, true), (${V[1]}, true), (${V[2]}, true), (${V[3]}, true), (${V[3]}, false);`);
    await adoptThenUp(db, "goose", V.slice(0, 3));
  },
});

Deno.test({
  name: "adopt flyway: flyway_schema_history by installed_rank (repeatables skipped); a failed row is refused",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    const row = (rank: number, version: string | null, desc: string, type: string, success = true) =>
      `(${rank}, ${version === null ? "NULL" : `'${version}'`}, '${desc}', '${type}', '${
        version ? `V${version}__${desc.replaceAll(" ", "_")}.sql` : `R__${desc}.sql`
      }', 1234, 'root', 7, ${success})`;
    await db.db.exec(`${FIRST_THREE}
      CREATE TABLE "public"."flyway_schema_history" (
        "installed_rank" INT NOT NULL,
        "version" VARCHAR(50),
        "description" VARCHAR(200) NOT NULL,
        "type" VARCHAR(20) NOT NULL,
        "script" VARCHAR(1000) NOT NULL,
        "checksum" INT,
        "installed_by" VARCHAR(100) NOT NULL,
        "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
        "execution_time" INT NOT NULL,
        "success" BOOLEAN NOT NULL);
      ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
      CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
      INSERT INTO flyway_schema_history
        (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
        ${row(1, V[0], "create users", "SQL")}, ${row(2, V[1], "add email", "SQL")},
        ${row(3, null, "views", "SQL")}, ${row(4, V[2], "create posts", "SQL")};`);
    await adoptThenUp(db, "flyway", V.slice(0, 3));

    await using failed = await freshServerDb("cft_adopt");
    await failed.db.exec(`CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50),
        description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT,
        installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL,
        success BOOLEAN NOT NULL);
      INSERT INTO flyway_schema_history
        (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
        ${row(1, V[0], "create users", "SQL")}, ${row(2, V[1], "add email", "SQL", false)};`);
    await using p = await project(failed);
    const r = await runCli(["migrate", "adopt", "-f", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    const e = r.json<{ error: { code: string; message: string; hint: string } }>().error;
    assertEquals(e.code, "ADOPT_DIRTY");
    assertStringIncludes(e.message, `Flyway recorded migration ${V[1]} as failed (success = false)`);
    assertStringIncludes(e.hint, "`flyway repair`");
  },
});

Deno.test({
  name: "adopt sqitch: sqitch.changes are matched to files by name, not version",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await db.db.exec(`${FIRST_THREE}
      CREATE SCHEMA sqitch;
      CREATE TABLE sqitch.projects (
        project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        creator_name TEXT NOT NULL, creator_email TEXT NOT NULL);
      CREATE TABLE sqitch.changes (
        change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL,
        project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE,
        note TEXT NOT NULL DEFAULT '', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL,
        planner_name TEXT NOT NULL, planner_email TEXT NOT NULL, UNIQUE(project, script_hash));
      INSERT INTO sqitch.projects (project, creator_name, creator_email) VALUES ('app', 'Ann', 'ann@example.test');
      INSERT INTO sqitch.changes (change_id, script_hash, change, project, committed_at, committer_name,
          committer_email, planned_at, planner_name, planner_email)
        SELECT md5(c), md5(c || 'h'), c, 'app', now() + n * interval '1 s', 'Ann', 'ann@example.test', now(), 'Ann',
               'ann@example.test'
          FROM unnest(ARRAY['create_users', 'add_email', 'create_posts']) WITH ORDINALITY AS x(c, n);`);
    await adoptThenUp(db, "sqitch", ["create_users", "add_email", "create_posts"]);
  },
});

Deno.test({
  name: "adopt confiture-python: its tb_confiture (no down_checksum) gains Confiture's columns; rows are kept",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    const rows = Object.entries(UP).slice(0, 3).map(([stem, sql]) => {
      const [version, ...name] = stem.split("_");
      return `(gen_random_uuid(), '${name.join("_")}_20240101_120000', '${version}', '${name.join("_")}', 0, '${
        sha256Hex(sql)
      }', 'root')`;
    });
    await db.db.exec(`${FIRST_THREE}
      CREATE TABLE tb_confiture (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        pk_confiture BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        slug TEXT NOT NULL UNIQUE,
        version VARCHAR(255) NOT NULL UNIQUE,
        name VARCHAR(255) NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        execution_time_ms INTEGER,
        checksum VARCHAR(64),
        applied_by TEXT);
      CREATE INDEX idx_tb_confiture_pk_confiture ON tb_confiture(pk_confiture);
      CREATE INDEX idx_tb_confiture_slug ON tb_confiture(slug);
      CREATE INDEX idx_tb_confiture_version ON tb_confiture(version);
      CREATE INDEX idx_tb_confiture_applied_at ON tb_confiture(applied_at DESC);
      INSERT INTO tb_confiture (id, slug, version, name, execution_time_ms, checksum, applied_by) VALUES ${
      rows.join(", ")
    };`);
    await adoptThenUp(db, "confiture-python", V.slice(0, 3));
    const [{ n, cols }] = await db.db.query<{ n: number; cols: string[] }>(
      `SELECT (SELECT count(*)::int FROM tb_confiture) AS n,
              ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'tb_confiture'::regclass
                     AND attname IN ('down_checksum', 'lint_allowed') ORDER BY 1) AS cols`,
    );
    assertEquals([n, cols], [4, ["down_checksum", "lint_allowed"]]);
  },
});

Deno.test({
  name: "adopt: one transaction under the migration lock; several tools need --from; none is exit 5",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_adopt");
    await using p = await project(db);
    const none = await runCli(["migrate", "adopt", "-f", "json"], { cwd: p.dir });
    assertEquals(none.code, 5, none.stdout + none.stderr);
    assertEquals(none.json<{ error: { code: string } }>().error.code, "ADOPT_NOT_FOUND");

    await db.db.exec(`create table public.schema_migrations (version varchar(128) primary key);
      insert into public.schema_migrations values ('${V[0]}'), ('${V[1]}'), ('${V[2]}');
      CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL,
        tstamp timestamp NULL default now());
      INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (${V[0]}, true);`);
    const two = await runCli(["migrate", "adopt"], { cwd: p.dir });
    assertEquals(two.code, 5, two.stderr);
    assertStringIncludes(two.stderr, "dbmate (public.schema_migrations), goose (public.goose_db_version)");
    assertStringIncludes(two.stderr, "--from dbmate|goose");

    // Another deployer holds the migration lock: adopt waits, then gives up with exit 6.
    const holder = await db.db.reserve();
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASSID, lockObjectId(db.name)]);
      const locked = await runCli(["migrate", "adopt", "--from", "dbmate", "--lock-timeout", "300ms"], {
        cwd: p.dir,
      });
      assertEquals(locked.code, 6, locked.stderr);
      assertStringIncludes(locked.stderr, `held by pid ${holder.pid}`);
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()");
      await holder.release();
    }

    // The third row fails to insert: none of the three may be recorded.
    await db.db.exec(`CREATE TABLE tb_confiture (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE,
        version varchar(255) NOT NULL UNIQUE, name varchar(255) NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
        execution_time_ms int, checksum varchar(64), applied_by text, down_checksum varchar(64), lint_allowed jsonb);
      CREATE FUNCTION refuse_third() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.version = '${V[2]}' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_third BEFORE INSERT ON tb_confiture FOR EACH ROW EXECUTE FUNCTION refuse_third();`);
    const broken = await runCli(["migrate", "adopt", "--from", "dbmate"], { cwd: p.dir });
    assert(broken.code !== 0, broken.stderr);
    assertStringIncludes(broken.stderr, "disk full (simulated)");
    assertEquals((await tracked(db)).length, 0, "all or nothing");
    await db.db.exec("DROP TRIGGER refuse_third ON tb_confiture");
    const ok = await runCli(["migrate", "adopt", "--from", "dbmate", "-f", "json"], { cwd: p.dir });
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(ok.json<Adopted>().adopted.map((a) => a.version), V.slice(0, 3));
  },
});
