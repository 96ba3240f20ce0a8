/**
 * `migrate check-schema`: the DDL build and the replayed migrations compared, on embedded
 * PGlite and on scratch databases of a server (`--against`).
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { checkSchema } from "../src/build/check_schema.ts";
import { loadEnvironment } from "../src/config/load.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

// The DDL has an `email` column, a 'draft' default and an index the migrations do not.
const DRIFTED: Record<string, string> = {
  "db/environments/local.yaml": "name: local\n",
  "db/schema/10_tables/1_tb_user.sql":
    "CREATE TABLE tb_user (\n  pk_user int PRIMARY KEY,\n  name text NOT NULL,\n  email text NOT NULL\n);\n",
  "db/schema/10_tables/2_tb_post.sql": [
    "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, status text DEFAULT 'draft');",
    "CREATE INDEX idx_post_user ON tb_post (fk_user);",
    "",
  ].join("\n"),
  "db/schema/20_views/v_user.sql":
    "CREATE VIEW v_user AS SELECT jsonb_build_object('name', name) AS data FROM tb_user;\n",
  "db/migrations/001_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/migrations/002_post.up.sql":
    "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, status text DEFAULT 'published');\n",
  "db/migrations/003_view.up.sql":
    "CREATE VIEW v_user AS SELECT jsonb_build_object('name', name) AS data FROM tb_user;\n",
};

const EXPECTED = [
  "changed column public.tb_post.status default",
  "missing column public.tb_user.email",
  "missing index public.tb_post.idx_post_user",
];

async function check(against?: string) {
  await using p = await tempProject(DRIFTED);
  const env = await loadEnvironment({ projectDir: p.dir, getEnv: () => undefined, offline: true });
  return await checkSchema(env, { against });
}

function summary(r: Awaited<ReturnType<typeof checkSchema>>): string[] {
  return r.differences.map((d) => `${d.kind} ${d.objectType} ${d.object}${d.detail ? ` ${d.detail}` : ""}`).sort();
}

Deno.test("check-schema on PGlite finds a missing column, a different default and a DDL-only index", async () => {
  const r = await check();
  assertEquals(r.ok, false);
  assertEquals(summary(r), EXPECTED);
  const def = r.differences.find((d) => d.detail === "default")!;
  assertEquals([def.expected, def.actual], ["'draft'::text", "'published'::text"]);
  assertEquals([r.engine, r.schemaFiles, r.migrations], ["pglite", 3, 3]);
});

Deno.test({
  name: "[server] check-schema --against finds the same drift and drops its scratch databases",
  ignore: NO_SERVER,
  async fn() {
    await using admin = await openDatabase(parseDatabaseUrl(SERVER_URL!, () => undefined), { max: 1 });
    const scratch = async () =>
      (await admin.query<{ d: string }>("SELECT datname AS d FROM pg_database WHERE datname LIKE 'confiture_check_%'"))
        .map((r) => r.d);
    const before = new Set(await scratch());
    const r = await check(SERVER_URL);
    assertEquals(summary(r), EXPECTED);
    // Only databases other runs may be using right now are left.
    assertEquals((await scratch()).filter((d) => !before.has(d)), []);
  },
});

Deno.test({
  name: "[server] CLI: exit 1 with a readable diff grouped by table; JSON lists the differences; 0 once fixed",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject(DRIFTED);
    const run = (...args: string[]) =>
      runCli(["migrate", "check-schema", "--against", SERVER_URL!, ...args], { cwd: p.dir });
    const text = await run();
    assertEquals(text.code, 1, text.stderr);
    assertStringIncludes(text.stdout, "Drift between db/schema and db/migrations (3 differences)");
    assertStringIncludes(
      text.stdout,
      "table public.tb_post\n  ~ column status default: 'draft'::text (db/schema) ≠ 'published'::text (db/migrations)\n" +
        "  - index idx_post_user (CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)): only in db/schema\n",
    );
    assertStringIncludes(text.stdout, "table public.tb_user\n  - column email (text NOT NULL): only in db/schema");

    const json = await run("--format", "json");
    assertEquals(json.code, 1);
    const body = json.json<{ ok: boolean; differences: unknown[] }>();
    assertEquals([body.ok, body.differences.length], [false, 3]);

    await p.write(
      "db/migrations/004_fix.up.sql",
      [
        "ALTER TABLE tb_user ADD COLUMN email text NOT NULL;",
        "ALTER TABLE tb_post ALTER COLUMN status SET DEFAULT 'draft';",
        "CREATE INDEX idx_post_user ON tb_post (fk_user);",
        "",
      ].join("\n"),
    );
    const fixed = await run();
    assertEquals(fixed.code, 0, fixed.stdout + fixed.stderr);
    assertStringIncludes(fixed.stdout, "No drift");

    // email was appended by ALTER TABLE, third in the DDL: only --column-order reports it.
    await p.write(
      "db/schema/10_tables/1_tb_user.sql",
      "CREATE TABLE tb_user (pk_user int PRIMARY KEY, email text NOT NULL, name text NOT NULL);\n",
    );
    assertEquals((await run()).code, 0);
    const ordered = await run("--column-order");
    assertEquals(ordered.code, 1);
    assertStringIncludes(ordered.stdout, "~ column email position: 2 (db/schema) ≠ 3 (db/migrations)");
  },
});

Deno.test("the example project's db/schema/ matches its migrations", async () => {
  const env = await loadEnvironment({
    projectDir: new URL("..", import.meta.url).pathname,
    getEnv: () => undefined,
    offline: true,
  });
  const r = await checkSchema(env, { against: SERVER_URL });
  assert(r.ok, JSON.stringify(r.differences, null, 2));
  assert(r.schemaFiles >= 4 && r.migrations >= 5);
});

Deno.test("check-schema on PGlite: a DDL needing an extension PGlite lacks fails with exit 4 and points to --against", async () => {
  await using p = await tempProject({
    "db/environments/local.yaml": "name: local\n",
    "db/schema/00_common/ext.sql": "CREATE EXTENSION IF NOT EXISTS postgis;\n",
    "db/migrations/001_ext.up.sql": "CREATE EXTENSION IF NOT EXISTS postgis;\n",
  });
  const r = await runCli(["migrate", "check-schema", "--format", "json"], { cwd: p.dir });
  assertEquals(r.code, 4, r.stdout + r.stderr);
  // Refused before the embedded engine starts: the extension is named, not a statement of a file.
  const err = r.json<{ error: { code: string; hint: string; message: string } }>().error;
  assertEquals(err.code, "PGLITE_EXTENSION_UNAVAILABLE");
  assertStringIncludes(err.message, "postgis");
  assertStringIncludes(err.hint, "--against");
});
