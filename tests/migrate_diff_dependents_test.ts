/**
 * `migrate diff` end to end for the dependents of a column that changes type or is dropped and
 * added again: policies and triggers (PostgreSQL refuses ALTER TYPE and DROP COLUMN under them),
 * indexes and constraints (DROP COLUMN takes them silently), views over views. The diff proves
 * its files on PGlite or a scratch server database (`--against`); then `migrate up` and
 * `migrate down` run them on a populated server database, and the catalog is checked after each.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { NO_SERVER } from "./_helpers/db.ts";
import { DIFF_ENGINES, DIFF_ENV, populatedProject } from "./_helpers/diff_project.ts";

const TABLES = (owner = "varchar(100)", score = "int", search = "note") =>
  `CREATE TABLE tb_account (
  pk_account int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner ${owner} NOT NULL,
  score ${score} NOT NULL CHECK (score >= 0),
  note text,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(${search}, ''))) STORED,
  UNIQUE (owner, score)
);
CREATE INDEX idx_account_owner ON tb_account (lower(owner));
CREATE INDEX idx_account_noted ON tb_account (pk_account) WHERE note IS NOT NULL;
CREATE INDEX idx_account_search ON tb_account USING gin (search);
ALTER TABLE tb_account ADD CONSTRAINT tb_account_search_check CHECK (search IS NOT NULL);
ALTER TABLE tb_account ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_owner ON tb_account USING (owner = current_user) WITH CHECK (score >= 0);
CREATE POLICY account_search ON tb_account FOR SELECT USING (search IS NOT NULL);
CREATE TABLE tb_entry (
  pk_entry int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner ${owner},
  score ${score},
  FOREIGN KEY (owner, score) REFERENCES tb_account (owner, score)
);
`;
const FUNCTION = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n";
const TRIGGERS = "CREATE TRIGGER trg_account_score BEFORE UPDATE OF score ON tb_account\n" +
  "  FOR EACH ROW EXECUTE FUNCTION touch();\n" +
  "CREATE TRIGGER trg_account_owner BEFORE UPDATE ON tb_account\n" +
  "  FOR EACH ROW WHEN (NEW.owner IS DISTINCT FROM OLD.owner) EXECUTE FUNCTION touch();\n";
const VIEWS = "CREATE VIEW v_account AS SELECT pk_account, owner, score FROM tb_account;\n" +
  "CREATE VIEW v_account_top AS SELECT owner FROM v_account WHERE score > 10;\n";

function base(): Record<string, string> {
  return {
    ...DIFF_ENV,
    "db/schema/05_functions/touch.sql": FUNCTION,
    "db/schema/10_tables/tb_account.sql": TABLES(),
    "db/schema/20_triggers/triggers.sql": TRIGGERS,
    "db/schema/30_views/views.sql": VIEWS,
    "db/migrations/001_initial.up.sql": FUNCTION + TABLES() + TRIGGERS + VIEWS,
    "db/migrations/001_initial.down.sql":
      "DROP VIEW v_account_top;\nDROP VIEW v_account;\nDROP TABLE tb_entry;\nDROP TABLE tb_account;\n" +
      "DROP FUNCTION touch();\n",
  };
}

const BACKENDS = DIFF_ENGINES;

/** A project whose chain is applied to a populated server database. */
function populated() {
  return populatedProject(
    base(),
    "cft_deps",
    "INSERT INTO tb_account (owner, score, note) SELECT 'u' || g, g, CASE WHEN g % 2 = 0 THEN 'n' || g END " +
      "FROM generate_series(1, 50) g;" +
      "INSERT INTO tb_entry (owner, score) SELECT 'u' || g, g FROM generate_series(1, 50) g;",
  );
}

type Db = Awaited<ReturnType<typeof populated>>["db"];

/** What hangs off tb_account, as the server's catalog has it. */
async function dependents(db: Db) {
  const names = async (sql: string) => (await db.db.query<{ n: string }>(sql)).map((r) => r.n);
  return {
    indexes: await names(
      "SELECT indexrelid::regclass::text AS n FROM pg_index WHERE indrelid = 'tb_account'::regclass ORDER BY 1",
    ),
    constraints: await names(
      "SELECT conname AS n FROM pg_constraint WHERE conrelid IN ('tb_account'::regclass, 'tb_entry'::regclass) " +
        "ORDER BY 1",
    ),
    policies: await names("SELECT polname AS n FROM pg_policy ORDER BY 1"),
    triggers: await names("SELECT tgname AS n FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"),
    views: await names("SELECT viewname AS n FROM pg_views WHERE schemaname = 'public' ORDER BY 1"),
    types: await names(
      "SELECT attname || ' ' || format_type(atttypid, atttypmod) AS n FROM pg_attribute " +
        "WHERE attrelid = 'tb_account'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    ),
  };
}

/** Apply the new migrations on the server, check the result, roll them back, check again. */
async function upAndDown(s: Awaited<ReturnType<typeof populated>>, steps: number, after: (d: Deps) => void) {
  const before = await dependents(s.db);
  const up = await s.cli("migrate", "up");
  assertEquals(up.code, 0, `migrate up: ${up.stdout}${up.stderr}`);
  const applied = await dependents(s.db);
  after(applied);
  const down = await s.cli("migrate", "down", "--steps", String(steps));
  assertEquals(down.code, 0, `migrate down: ${down.stdout}${down.stderr}`);
  assertEquals(await dependents(s.db), before, "migrate down restores every dependent");
  const rows = await s.db.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_account");
  assertEquals(rows, [{ n: 50 }]);
}

type Deps = Awaited<ReturnType<typeof dependents>>;

for (const b of BACKENDS) {
  Deno.test({
    name: `[${b.name}] migrate diff: retyped columns under policies, triggers, indexes, constraints and a view chain`,
    ignore: NO_SERVER,
    async fn() {
      await using s = await populated();
      await s.p.write("db/schema/10_tables/tb_account.sql", TABLES("varchar(200)", "bigint"));
      const r = await s.cli("migrate", "diff", "widen", "--allow-hazard", "rewrite", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const up = await s.p.read("db/migrations/002_widen.up.sql");
      const down = await s.p.read("db/migrations/002_widen.down.sql");
      for (const text of [up, down]) {
        const alter = text.indexOf("ALTER COLUMN owner TYPE");
        assert(alter > 0, text);
        for (
          const drop of ["DROP POLICY account_owner", "DROP TRIGGER trg_account_score", "DROP VIEW public.v_account"]
        ) {
          assert(text.indexOf(drop) >= 0 && text.indexOf(drop) < alter, `${drop} before ALTER TYPE:\n${text}`);
        }
        for (const create of ["CREATE POLICY account_owner", "CREATE TRIGGER trg_account_owner"]) {
          assert(text.indexOf(create) > alter, `${create} after ALTER TYPE:\n${text}`);
        }
      }
      // PostgreSQL rebuilds indexes and constraints on a retyped column by itself.
      assert(!up.includes("DROP INDEX") && !up.includes("DROP CONSTRAINT"), up);
      const files = [];
      for await (const e of Deno.readDir(`${s.p.dir}/db/migrations`)) files.push(e.name);
      const steps = files.filter((f) => f.endsWith(".up.sql")).length - 1;
      await upAndDown(s, steps, (d) => {
        assertEquals(d.types.slice(1, 3), ["owner character varying(200)", "score bigint"]);
        assertEquals(d.policies, ["account_owner", "account_search"]);
        assertEquals(d.triggers, ["trg_account_owner", "trg_account_score"]);
        assertEquals(d.views, ["v_account", "v_account_top"]);
      });
    },
  });

  Deno.test({
    name: `[${b.name}] migrate diff: a rebuilt generated column gets back its index, CHECK and policy; a dropped ` +
      "column's index and trigger come back in the down",
    ignore: NO_SERVER,
    async fn() {
      await using s = await populated();
      // search reads owner instead of note; note goes, with its partial index; owner's trigger goes.
      await s.p.write(
        "db/schema/10_tables/tb_account.sql",
        TABLES(undefined, undefined, "owner").replace("  note text,\n", "").replace(
          "CREATE INDEX idx_account_noted ON tb_account (pk_account) WHERE note IS NOT NULL;\n",
          "",
        ),
      );
      await s.p.write("db/schema/20_triggers/triggers.sql", TRIGGERS.split("CREATE TRIGGER trg_account_owner")[0]);
      const r = await s.cli(
        "migrate",
        "diff",
        "rebuild",
        "--allow-hazard",
        "rewrite",
        "--allow-hazard",
        "data-loss",
        ...b.against,
      );
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const up = await s.p.read("db/migrations/002_rebuild.up.sql");
      assertStringIncludes(up, "DROP COLUMN note");
      assertStringIncludes(up, "DROP POLICY account_search");
      const files = [];
      for await (const e of Deno.readDir(`${s.p.dir}/db/migrations`)) files.push(e.name);
      const steps = files.filter((f) => f.endsWith(".up.sql")).length - 1;
      await upAndDown(s, steps, (d) => {
        assertEquals(d.types.includes("note text"), false);
        assertEquals(d.indexes.includes("idx_account_search"), true);
        assertEquals(d.indexes.includes("idx_account_noted"), false);
        assertEquals(d.constraints.includes("tb_account_search_check"), true);
        assertEquals(d.policies, ["account_owner", "account_search"]);
        assertEquals(d.triggers, ["trg_account_score"]);
      });
    },
  });
}

Deno.test({
  name: "[pglite] migrate diff: an enum value added under a policy, a trigger and a CHECK naming a value; " +
    "the down swaps the type back around them",
  ignore: NO_SERVER,
  async fn() {
    await using s = await populated();
    const mood = (labels: string) =>
      `CREATE TYPE mood AS ENUM (${labels});\nALTER TABLE tb_account ADD COLUMN mood mood DEFAULT 'ok';\n` +
      "-- confiture:allow constraint-without-not-valid a fixture on a small table\n" +
      "ALTER TABLE tb_account ADD CONSTRAINT tb_account_mood_check CHECK (mood <> 'meh');\n" +
      "CREATE POLICY account_mood ON tb_account FOR SELECT USING (mood = 'ok');\n" +
      "CREATE TRIGGER trg_account_mood BEFORE UPDATE OF mood ON tb_account FOR EACH ROW EXECUTE FUNCTION touch();\n";
    await s.p.write("db/migrations/002_mood.up.sql", mood("'ok', 'meh'"));
    await s.p.write(
      "db/migrations/002_mood.down.sql",
      "DROP TRIGGER trg_account_mood ON tb_account;\nDROP POLICY account_mood ON tb_account;\n" +
        "ALTER TABLE tb_account DROP COLUMN mood;\nDROP TYPE mood;\n",
    );
    await s.p.write("db/schema/40_mood/mood.sql", mood("'ok', 'sad', 'meh'"));
    const chain = await s.cli("migrate", "up");
    assertEquals(chain.code, 0, chain.stdout + chain.stderr);
    const r = await s.cli("migrate", "diff", "sad");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const down = await s.p.read("db/migrations/003_sad.down.sql");
    for (
      const drop of ["DROP POLICY account_mood", "DROP TRIGGER trg_account_mood", "DROP CONSTRAINT tb_account_mood"]
    ) {
      assert(down.indexOf(drop) >= 0 && down.indexOf(drop) < down.indexOf("RENAME TO"), `${drop}:\n${down}`);
    }
    await upAndDown(s, 1, (d) => {
      assertEquals(d.policies.includes("account_mood"), true);
      assertEquals(d.triggers.includes("trg_account_mood"), true);
    });
  },
});

Deno.test({
  name: "[pglite] migrate diff: a column a generated column reads is widened; the generated column and its index " +
    "are rebuilt around ALTER TYPE",
  ignore: NO_SERVER,
  async fn() {
    await using s = await populated();
    const label = (type: string) =>
      `ALTER TABLE tb_account ADD COLUMN label ${type};\n` +
      "-- confiture:allow add-column-volatile-default a fixture on a small table\n" +
      "ALTER TABLE tb_account ADD COLUMN label_up text GENERATED ALWAYS AS (upper(label)) STORED;\n" +
      "-- confiture:allow create-index-non-concurrent a fixture on a small table\n" +
      "CREATE INDEX idx_account_label_up ON tb_account (label_up);\n";
    await s.p.write("db/migrations/002_label.up.sql", label("varchar(10)"));
    await s.p.write(
      "db/migrations/002_label.down.sql",
      "ALTER TABLE tb_account DROP COLUMN label_up;\nALTER TABLE tb_account DROP COLUMN label;\n",
    );
    await s.p.write("db/schema/40_label/label.sql", label("varchar(20)"));
    const chain = await s.cli("migrate", "up");
    assertEquals(chain.code, 0, chain.stdout + chain.stderr);
    const r = await s.cli("migrate", "diff", "widen_label", "--allow-hazard", "rewrite");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const up = await s.p.read("db/migrations/003_widen_label.up.sql");
    assert(up.indexOf("DROP COLUMN label_up") < up.indexOf("ALTER COLUMN label TYPE"), up);
    assert(up.indexOf("ADD COLUMN label_up") > up.indexOf("ALTER COLUMN label TYPE"), up);
    await upAndDown(s, 2, (d) => {
      assertEquals(d.types.includes("label character varying(20)"), true);
      assertEquals(d.indexes.includes("idx_account_label_up"), true);
    });
  },
});
