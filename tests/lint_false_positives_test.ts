/**
 * False positives the lint raised on real chains (issue 14 items 7 and 8): downs that the
 * catalogs prove complete, drops of things that are not live, and lock rules on an empty
 * database. Each chain goes through `confiture lint`, `migrate verify-reversible` and
 * `migrate up`, so the lint and the catalog proof are seen to agree.
 */
import { assertEquals } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { lintMigrations } from "../src/lint/lint_migrations.ts";

/** Up/down pairs whose downs restore the schema exactly, as verify-reversible proves. */
const COMPLETE_DOWNS: Record<string, [string, string]> = {
  // DROP TABLE drops the sequences OWNED BY its columns.
  "001_owned_seq": [
    "CREATE TABLE tb_order (id int);\nCREATE SEQUENCE seq_order OWNED BY tb_order.id;\n" +
    "CREATE SEQUENCE seq_order2;\nALTER SEQUENCE seq_order2 OWNED BY tb_order.id;\n",
    "DROP TABLE tb_order;\n",
  ],
  // DROP MATERIALIZED VIEW drops its indexes.
  "002_matview_index": [
    "CREATE MATERIALIZED VIEW mv_total AS SELECT 1 AS n;\nCREATE UNIQUE INDEX idx_mv_total ON mv_total (n);\n",
    "DROP MATERIALIZED VIEW mv_total;\n",
  ],
  // DROP COLUMN drops the indexes and constraints on that column.
  "003_item": ["CREATE TABLE tb_item (id int PRIMARY KEY);\n", "DROP TABLE tb_item;\n"],
  "004_column_deps": [
    "ALTER TABLE tb_item ADD COLUMN code text, ADD COLUMN parent int;\n" +
    "CREATE INDEX idx_item_code ON tb_item (lower(code));\n" +
    "ALTER TABLE tb_item ADD CONSTRAINT chk_item_code CHECK (code <> '');\n" +
    "ALTER TABLE tb_item ADD CONSTRAINT fk_item_parent FOREIGN KEY (parent) REFERENCES tb_item (id);\n" +
    "ALTER TABLE tb_item ADD CONSTRAINT uq_item_code UNIQUE (code);\n",
    "ALTER TABLE tb_item DROP COLUMN code, DROP COLUMN parent;\n",
  ],
  // pg_temp functions and TEMP tables vanish with the session: they are not schema objects.
  "005_temp": [
    "CREATE OR REPLACE FUNCTION pg_temp.backfill() RETURNS int LANGUAGE sql AS 'SELECT 1';\n" +
    "CREATE TEMP TABLE tmp_ids (id int) ON COMMIT DROP;\n" +
    "CREATE TEMPORARY TABLE tmp_more ON COMMIT DROP AS SELECT 1 AS id;\n" +
    "CREATE TABLE pg_temp.tmp_three (id int) ON COMMIT DROP;\nCREATE INDEX idx_tmp_ids ON tmp_ids (id);\n" +
    "CREATE TABLE tb_kept (id int);\nINSERT INTO tb_kept SELECT pg_temp.backfill();\n",
    "DROP TABLE tb_kept;\n",
  ],
  "006_ext": [
    'CREATE EXTENSION IF NOT EXISTS "citext";\n',
    'DROP EXTENSION IF EXISTS "citext";\n',
  ],
  // The same CREATE EXTENSION IF NOT EXISTS again: a no-op, the down must not drop it.
  "007_ext_again": [
    "CREATE EXTENSION IF NOT EXISTS citext;\nCREATE TABLE tb_nick (nick citext);\n",
    "DROP TABLE tb_nick;\n",
  ],
  // Objects created unqualified after SET search_path live in that schema; DROP SCHEMA CASCADE drops them.
  "008_search_path": [
    "CREATE SCHEMA app;\nSET search_path TO app, public;\nCREATE TABLE tb_conf (k text);\n" +
    "CREATE FUNCTION fn_conf() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE VIEW v_conf AS SELECT k FROM tb_conf;\n" +
    "SELECT set_config('search_path', 'app', true);\nCREATE SEQUENCE seq_conf;\n",
    "DROP SCHEMA app CASCADE;\n",
  ],
};

function chainFiles(pairs: Record<string, [string, string]>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [stem, [up, down]] of Object.entries(pairs)) {
    files[`db/migrations/${stem}.up.sql`] = up;
    files[`db/migrations/${stem}.down.sql`] = down;
  }
  return files;
}

type Finding = { rule: string; severity: string; file: string; line: number; message: string };

Deno.test("lint and verify-reversible agree: downs the catalogs prove complete are not down-incomplete", async () => {
  await using p = await tempProject(chainFiles(COMPLETE_DOWNS));
  const proof = await runCli(["migrate", "verify-reversible", "-f", "json"], { cwd: p.dir });
  assertEquals(proof.code, 0, proof.stdout + proof.stderr);
  const checks = proof.json<{ migrations: { version: string; status: string }[] }>().migrations;
  assertEquals(checks.map((m) => m.status), Object.keys(COMPLETE_DOWNS).map(() => "reversible"));
  // Offline over the whole folder (each migration its own batch for the lock rules) and as one batch.
  for (const args of [["lint"], ["lint", ...Object.keys(COMPLETE_DOWNS).map((s) => `db/migrations/${s}.up.sql`)]]) {
    const lint = await runCli([...args, "-f", "json"], { cwd: p.dir });
    const findings = lint.json<{ findings: Finding[] }>().findings;
    assertEquals(
      findings.filter((f) => f.rule === "down-incomplete").map((f) => `${f.file}:${f.line} ${f.message}`),
      [],
    );
    // Offline, on its own, 004's index and constraints on tb_item are lock findings: it may be live.
    assertEquals(lint.code, args.length === 1 ? 1 : 0, lint.stdout);
  }
});

/** A chain with every lock-heavy statement, on tables an earlier file of the chain creates. */
const LOCK_HEAVY: Record<string, string> = {
  "db/migrations/001_users.up.sql": "CREATE TABLE tb_user (id int PRIMARY KEY, email text);\n",
  "db/migrations/002_posts.up.sql": "CREATE TABLE tb_post (id int, author int, title text);\n",
  "db/migrations/003_locks.up.sql": "CREATE INDEX idx_post_title ON tb_post (title);\n" +
    "ALTER TABLE tb_post ALTER COLUMN title SET NOT NULL;\n" +
    "ALTER TABLE tb_post ADD CONSTRAINT fk_post_author FOREIGN KEY (author) REFERENCES tb_user (id);\n" +
    "ALTER TABLE tb_post ADD CONSTRAINT uq_post_title UNIQUE (title);\n",
  // A table the lint cannot see being created (code in a DO block): absent live, so nobody uses it.
  "db/migrations/004_dynamic.up.sql": "DO $$ BEGIN EXECUTE 'CREATE TABLE tb_dyn (id int, v text)'; END $$;\n",
  "db/migrations/005_dyn_index.up.sql": "CREATE INDEX idx_dyn_v ON tb_dyn (v);\n" +
    "ALTER TABLE tb_dyn ALTER COLUMN v SET NOT NULL;\n",
};

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] a whole chain applied to an empty database is never blocked by lock rules`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      const files = Object.entries(LOCK_HEAVY).map(([path, upSql]) => {
        const [version, name] = path.slice("db/migrations/".length, -".up.sql".length).split(/_(.*)/);
        return { version, name, upFile: path, upSql };
      });
      const result = await lintMigrations(files, { db: t.db, reversibility: false });
      assertEquals(
        result.findings.filter((f) => f.severity === "error").map((f) => `${f.file}:${f.line} ${f.rule}`),
        [],
      );
    },
  });
}

Deno.test({
  name:
    "[server] migrate up of a lock-heavy chain on an empty database applies it; the same on a populated table blocks",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({ ...LOCK_HEAVY, "db/environments/test.yaml": `database_url: ${db.url}\n` });
    const up = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir });
    assertEquals(up.code, 0, up.stderr);
    const [{ n }] = await db.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_confiture");
    assertEquals(n, 5);
    // Populated and live now: the same statements on these tables are blocked.
    await db.db.exec(
      "INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 20000) g;\n" +
        "INSERT INTO tb_post SELECT g, g, 't' || g FROM generate_series(1, 20000) g;\n" +
        "INSERT INTO tb_dyn SELECT g, 'v' || g FROM generate_series(1, 20000) g;\nANALYZE;\n",
    );
    await p.write(
      "db/migrations/006_more.up.sql",
      "CREATE INDEX idx_post_author ON tb_post (author);\nALTER TABLE tb_user ALTER COLUMN email SET NOT NULL;\n" +
        "ALTER TABLE tb_post ADD CONSTRAINT fk_post_author2 FOREIGN KEY (author) REFERENCES tb_user (id);\n" +
        "CREATE INDEX idx_dyn_id ON tb_dyn (id);\n",
    );
    const blocked = await runCli(["migrate", "up", "--env", "test", "-f", "json"], { cwd: p.dir });
    assertEquals(blocked.code, 1, blocked.stderr);
    const err = blocked.json<{ error: { code: string; details: { findings: Finding[] } } }>().error;
    assertEquals(err.code, "LINT_BLOCKED");
    assertEquals(err.details.findings.map((f) => `${f.line} ${f.rule}`), [
      "1 create-index-non-concurrent",
      "2 set-not-null-scan",
      "3 constraint-without-not-valid",
      "4 create-index-non-concurrent",
    ]);
  },
});

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `[${backend.name}] drop-breaks-code skips pg_temp objects and views or tables dropped IF EXISTS that are not live`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec("CREATE TABLE live (id int, used text);");
      const up = [
        "CREATE TEMP TABLE tmp_a (id int);",
        "DROP TABLE pg_temp.tmp_a;",
        "DROP TABLE IF EXISTS pg_temp.tmp_b;",
        "DROP TABLE IF EXISTS app.not_there;",
        "DROP TABLE live;",
      ].join("\n");
      const online = await lintMigrations([{ version: "001", name: "x", upFile: "001_x.up.sql", upSql: up }], {
        db: t.db,
        reversibility: false,
      });
      assertEquals(online.findings.map((f) => `${f.line} ${f.rule}`), ["5 drop-breaks-code"]);
      const offline = await lintMigrations([{
        version: "001",
        name: "x",
        upFile: "001_x.up.sql",
        upSql: "DROP TABLE IF EXISTS pg_temp.tmp_b;\nALTER TABLE pg_temp.tmp_c DROP COLUMN x;\n",
      }], { reversibility: false });
      assertEquals(offline.findings.map((f) => `${f.line} ${f.rule}`), []);
    },
  });
}
