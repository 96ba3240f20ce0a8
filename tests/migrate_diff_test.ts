/**
 * `migrate diff` end to end: a DDL edit in db/schema/ becomes migrations that `check-schema`,
 * `migrate verify-reversible` and `migrate up` (lint gate on, populated server database) accept.
 * The diff runs on embedded PGlite and on scratch databases of the server (`--against`).
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import type { runCli } from "./_helpers/cli.ts";
import { NO_SERVER } from "./_helpers/db.ts";
import type { TempProject } from "./_helpers/project.ts";
import { DIFF_ENGINES, DIFF_ENV, populatedProject } from "./_helpers/diff_project.ts";

const USER = "CREATE TABLE tb_user (\n  pk_user int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n" +
  "  name text NOT NULL,\n  email text NOT NULL\n);\n";
const VIEW = (extra = "") =>
  `CREATE VIEW v_user AS\nSELECT u.pk_user, jsonb_build_object('name', u.name, 'email', u.email${extra}) AS data\n` +
  "FROM tb_user u;\n";
const POST = "CREATE TABLE tb_post (\n  pk_post int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n" +
  "  fk_user int NOT NULL REFERENCES tb_user (pk_user),\n  title text NOT NULL\n);\n";

function base(): Record<string, string> {
  return {
    ...DIFF_ENV,
    "db/schema/10_tables/1_tb_user.sql": USER,
    "db/schema/10_tables/2_tb_post.sql": POST,
    "db/schema/20_views/v_user.sql": VIEW(),
    "db/migrations/001_initial.up.sql": USER + POST + VIEW(),
    "db/migrations/001_initial.down.sql": "DROP VIEW v_user;\nDROP TABLE tb_post;\nDROP TABLE tb_user;\n",
  };
}

const BACKENDS = DIFF_ENGINES;

/** A project whose chain is applied to a populated server database. */
function populated() {
  return populatedProject(
    base(),
    "cft_diff",
    "INSERT INTO tb_user (name, email) SELECT 'u' || g, 'u' || g || '@x' FROM generate_series(1, 50) g;" +
      "INSERT INTO tb_post (fk_user, title) SELECT 1 + g % 50, 't' || g FROM generate_series(1, 200) g;",
  );
}

/** The proof a user would run after reviewing the files: every gate passes on the real database. */
async function prove(cli: (...a: string[]) => ReturnType<typeof runCli>, against: string[]) {
  for (const args of [["migrate", "check-schema", ...against], ["migrate", "verify-reversible", ...against]]) {
    const r = await cli(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  }
  const up = await cli("migrate", "up");
  assertEquals(up.code, 0, `migrate up: ${up.stdout}${up.stderr}`);
}

async function files(p: TempProject, from: number): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${p.dir}/db/migrations`)) {
    if (Number(e.name.slice(0, 3)) >= from) out.push(e.name);
  }
  return out.sort();
}

for (const b of BACKENDS) {
  const ignore = NO_SERVER;
  Deno.test({
    name:
      `[${b.name}] migrate diff: the seed's avatar_url edit is ADD COLUMN + CREATE OR REPLACE VIEW, proven and applied`,
    ignore,
    async fn() {
      await using s = await populated();
      await s.p.write(
        "db/schema/10_tables/1_tb_user.sql",
        USER.replace("email text NOT NULL", "email text NOT NULL,\n  avatar_url text"),
      );
      await s.p.write("db/schema/20_views/v_user.sql", VIEW(", 'avatar_url', u.avatar_url"));
      const r = await s.cli("migrate", "diff", "add_avatar_url", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertEquals(await files(s.p, 2), ["002_add_avatar_url.down.sql", "002_add_avatar_url.up.sql"]);
      const up = await s.p.read("db/migrations/002_add_avatar_url.up.sql");
      const down = await s.p.read("db/migrations/002_add_avatar_url.down.sql");
      assertStringIncludes(up, "ALTER TABLE public.tb_user ADD COLUMN avatar_url text;");
      assertStringIncludes(up, "CREATE OR REPLACE VIEW public.v_user AS");
      assertStringIncludes(up, "'avatar_url'");
      assertStringIncludes(down, "ALTER TABLE public.tb_user DROP COLUMN avatar_url;");
      assert(down.indexOf("CREATE OR REPLACE VIEW") < down.indexOf("DROP COLUMN"), down);
      await prove(s.cli, b.against);
      const again = await s.cli("migrate", "diff", "again", ...b.against);
      assertEquals(again.code, 0);
      assertStringIncludes(again.stdout, "No changes");
    },
  });

  Deno.test({
    name:
      `[${b.name}] migrate diff: a FK to a new UNIQUE on a populated table waits for its index; lint lets it through`,
    ignore,
    async fn() {
      await using s = await populated();
      await s.p.write(
        "db/schema/10_tables/1_tb_user.sql",
        USER.replace("email text NOT NULL", "email text NOT NULL UNIQUE"),
      );
      await s.p.write(
        "db/schema/10_tables/3_tb_invite.sql",
        "CREATE TABLE tb_invite (email text NOT NULL REFERENCES tb_user (email));\n",
      );
      const r = await s.cli("migrate", "diff", "invites", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertEquals((await files(s.p, 2)).filter((f) => f.endsWith(".up.sql")), [
        "002_invites.up.sql",
        "003_invites_concurrently.up.sql",
        "004_invites_validate.up.sql",
        "005_invites_validate_foreign_keys.up.sql",
      ]);
      assertStringIncludes(await s.p.read("db/migrations/003_invites_concurrently.up.sql"), "CONCURRENTLY");
      assertStringIncludes(await s.p.read("db/migrations/004_invites_validate.up.sql"), "NOT VALID");
      await prove(s.cli, b.against);
      const fk = await s.db.db.query<{ v: boolean }>(
        "SELECT convalidated AS v FROM pg_constraint WHERE conname = 'tb_invite_email_fkey'",
      );
      assertEquals(fk, [{ v: true }]);
    },
  });

  Deno.test({
    name: `[${b.name}] migrate diff: an enum value added under a view; verify-reversible runs the down around the view`,
    ignore,
    async fn() {
      await using s = await populated();
      const mood = "CREATE TYPE mood AS ENUM ('ok');\nALTER TABLE tb_user ADD COLUMN mood mood;\n" +
        "CREATE VIEW v_mood AS SELECT pk_user, mood FROM tb_user;\n";
      await s.p.write("db/migrations/002_mood.up.sql", mood);
      await s.p.write(
        "db/migrations/002_mood.down.sql",
        "DROP VIEW v_mood;\nALTER TABLE tb_user DROP COLUMN mood;\nDROP TYPE mood;\n",
      );
      await s.p.write("db/schema/05_types/mood.sql", "CREATE TYPE mood AS ENUM ('ok', 'sad');\n");
      await s.p.write(
        "db/schema/10_tables/1_tb_user.sql",
        USER.replace("email text NOT NULL", "email text NOT NULL,\n  mood mood"),
      );
      await s.p.write("db/schema/20_views/v_mood.sql", "CREATE VIEW v_mood AS SELECT pk_user, mood FROM tb_user;\n");
      assertEquals((await s.cli("migrate", "up")).code, 0);
      const r = await s.cli("migrate", "diff", "sad", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const down = await s.p.read("db/migrations/003_sad.down.sql");
      assert(down.indexOf("DROP VIEW public.v_mood") < down.indexOf("RENAME TO"), down);
      await prove(s.cli, b.against);
    },
  });

  Deno.test({
    name: `[${b.name}] migrate diff: a SQL function a new table's CHECK calls is created before the table`,
    ignore,
    async fn() {
      await using s = await populated();
      await s.p.write(
        "db/schema/05_functions/is_slug.sql",
        "CREATE FUNCTION is_slug(s text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT s ~ '^[a-z0-9-]+$' $$;\n",
      );
      await s.p.write(
        "db/schema/30_functions/tag_count.sql",
        "CREATE FUNCTION tag_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM tb_tag $$;\n",
      );
      await s.p.write("db/schema/10_tables/4_tb_tag.sql", "CREATE TABLE tb_tag (slug text CHECK (is_slug(slug)));\n");
      const r = await s.cli("migrate", "diff", "tags", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      await prove(s.cli, b.against);
    },
  });
}

Deno.test({
  name:
    "migrate diff: an index on an existing table is CONCURRENTLY in its own migration; a new FK is NOT VALID, then VALIDATE",
  ignore: NO_SERVER,
  async fn() {
    await using s = await populated();
    await s.p.write(
      "db/schema/10_tables/2_tb_post.sql",
      POST.replace("title text NOT NULL", "title text NOT NULL,\n  fk_editor int") +
        "CREATE INDEX idx_post_user ON tb_post (fk_user);\n" +
        "ALTER TABLE tb_post ADD CONSTRAINT tb_post_fk_editor_fkey FOREIGN KEY (fk_editor) REFERENCES tb_user (pk_user);\n",
    );
    const r = await s.cli("migrate", "diff", "post_links", "-f", "json");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const j = r.json<{ ok: boolean; status: string; migrations: { name: string; stage: string; up: string }[] }>();
    assertEquals([j.ok, j.status], [true, "written"]);
    assertEquals(j.migrations.map((m) => [m.name, m.stage]), [
      ["post_links", "main"],
      ["post_links_concurrently", "concurrently"],
      ["post_links_validate", "validate"],
    ]);
    const [main, conc, validate] = j.migrations.map((m) => m.up);
    assertStringIncludes(main, "FOREIGN KEY (fk_editor) REFERENCES public.tb_user(pk_user) NOT VALID;");
    assertStringIncludes(conc, "CREATE INDEX CONCURRENTLY idx_post_user ON public.tb_post");
    assertStringIncludes(validate, "VALIDATE CONSTRAINT tb_post_fk_editor_fkey;");
    await prove(s.cli, []);
  },
});

Deno.test({
  name:
    "migrate diff: data loss is refused (exit 1, hazards listed) until --allow-hazard; a rename is hinted and taken",
  ignore: NO_SERVER,
  async fn() {
    await using s = await populated();
    // name → full_name looks like a rename; dropping tb_post is data loss.
    await s.p.write("db/schema/10_tables/1_tb_user.sql", USER.replace("name text", "full_name text"));
    await s.p.write("db/schema/20_views/v_user.sql", VIEW().replace("u.name", "u.full_name"));
    const refused = await s.cli("migrate", "diff", "rename_user", "-f", "json");
    assertEquals(refused.code, 1, refused.stdout + refused.stderr);
    const j = refused.json<
      {
        ok: boolean;
        status: string;
        hazards: { kind: string; object: string; allowed: boolean }[];
        rename_hints: { flag: string }[];
      }
    >();
    assertEquals([j.ok, j.status], [false, "hazards"]);
    assertEquals(j.hazards.filter((h) => h.kind === "data-loss").map((h) => [h.object, h.allowed]), [
      ["public.tb_user.name", false],
    ]);
    assertEquals(j.rename_hints.map((h) => h.flag), ["--rename tb_user.name=full_name"]);
    const text = await s.cli("migrate", "diff", "rename_user");
    assertEquals(text.code, 1);
    assertStringIncludes(text.stdout + text.stderr, "--rename tb_user.name=full_name");
    assertStringIncludes(text.stdout + text.stderr, "data-loss");
    assertEquals(await files(s.p, 2), []);

    const dry = await s.cli("migrate", "diff", "rename_user", "--rename", "tb_user.name=full_name", "--dry-run");
    assertEquals(dry.code, 0, dry.stdout + dry.stderr);
    assertStringIncludes(dry.stdout, "RENAME COLUMN name TO full_name");
    assertEquals(await files(s.p, 2), []);
    const check = await s.cli("migrate", "diff", "rename_user", "--check");
    assertEquals(check.code, 1, check.stdout + check.stderr);
    assertEquals(await files(s.p, 2), []);

    const renamed = await s.cli("migrate", "diff", "rename_user", "--rename", "tb_user.name=full_name");
    assertEquals(renamed.code, 0, renamed.stdout + renamed.stderr);
    await prove(s.cli, []);

    // Dropping a column is data loss: refused, then written with the flag and a comment.
    await s.p.write(
      "db/schema/10_tables/1_tb_user.sql",
      USER.replace("name text", "full_name text").replace(",\n  email text NOT NULL", ""),
    );
    await s.p.write(
      "db/schema/20_views/v_user.sql",
      VIEW().replace("u.name", "u.full_name").replace(", 'email', u.email", ""),
    );
    const blocked = await s.cli("migrate", "diff", "drop_email");
    assertEquals(blocked.code, 1, blocked.stdout + blocked.stderr);
    assertStringIncludes(blocked.stderr + blocked.stdout, "data-loss");
    assertEquals(await files(s.p, 3), []);
    const lossy = await s.cli("migrate", "diff", "drop_email", "--allow-hazard", "data-loss");
    assertEquals(lossy.code, 0, lossy.stdout + lossy.stderr);
    const up = await s.p.read("db/migrations/003_drop_email.up.sql");
    assertStringIncludes(up, "-- hazard data-loss:");
    assertStringIncludes(up, "DROP COLUMN email");
    await prove(s.cli, []);
    const none = await s.cli("migrate", "diff", "nothing", "-f", "json");
    assertEquals([none.code, none.json<{ ok: boolean; status: string }>().status], [0, "no-changes"]);
  },
});
