/**
 * Every `--format json` output has a JSON Schema under docs/schemas/, and real outputs of real
 * runs validate against it. Ajv (draft 2020-12, strict) also rejects a schema that misspells a
 * keyword, which a hand-written validator would silently ignore.
 *
 * `CONFITURE_SCHEMA_DUMP=dir` writes every output to `dir/<schema>.N.json` as well (to draft or
 * review a schema from what commands really print); nothing is validated then.
 *
 * @module
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { type CliResult, runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { CONTRACT_TEST_SCHEMAS, expectContract, loadSchemas, SCHEMA_BASE, SCHEMAS } from "./_helpers/schemas.ts";
import { freshPair, MAPPING } from "./schema_to_schema_fixture.ts";

const DUMP = Deno.env.get("CONFITURE_SCHEMA_DUMP");
const { ajv, files: schemaFiles } = loadSchemas();
const validated = new Set<string>();
let dumped = 0;

/** Check `res` printed one JSON document valid against `docs/schemas/<schema>.schema.json`. */
async function expectValid(schema: string, res: CliResult, code?: number): Promise<Record<string, unknown>> {
  if (code !== undefined) {
    assertEquals(res.code, code, `${schema}: exit code; stdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
  }
  const body = res.json();
  if (DUMP) {
    await Deno.mkdir(DUMP, { recursive: true });
    await Deno.writeTextFile(`${DUMP}/${schema}.${dumped++}.json`, JSON.stringify(body, null, 2));
    return body; // drafting mode: collect outputs, validate nothing
  }
  const doc = expectContract(ajv, schema, res);
  validated.add(schema);
  return doc;
}

const MIGRATIONS = {
  "db/migrations/001_create_tb_user.up.sql":
    "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email text NOT NULL);\n",
  "db/migrations/001_create_tb_user.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_add_name.up.sql": "ALTER TABLE tb_user ADD COLUMN name text;\n",
  "db/migrations/002_add_name.down.sql": "ALTER TABLE tb_user DROP COLUMN name;\n",
  "db/schema/10_tb_user.sql": "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email text NOT NULL, name text);\n",
};

Deno.test("schemas: every schema is valid draft 2020-12 with a matching $id", () => {
  assert(schemaFiles.length > 0);
  for (const name of schemaFiles) {
    const schema = JSON.parse(Deno.readTextFileSync(new URL(name, SCHEMAS))) as Record<string, unknown>;
    assertEquals(schema.$id, `${SCHEMA_BASE}${name}`);
    assertEquals(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert(typeof schema.title === "string" && typeof schema.description === "string", `${name}: title, description`);
  }
});

Deno.test("schemas: they reject outputs that break the contract", () => {
  const check = (schema: string, body: unknown) => ajv.getSchema(`${SCHEMA_BASE}${schema}.schema.json`)!(body);
  const status = {
    ok: true,
    database: "postgres://app@db:5432/shop",
    tracking_table: "public.tb_confiture",
    initialized: true,
    applied: ["001"],
    pending: [],
    migrations: [{ version: "001", name: "a", status: "applied", applied_at: "2026-01-02T03:04:05.123456+00:00" }],
    summary: { applied: 1, pending: 0, total: 1, missing: 0, edited: 0 },
  };
  assert(check("migrate-status", status), "a well-formed status");
  assert(!check("migrate-status", { ...status, extra: 1 }), "an undocumented member");
  assert(!check("migrate-status", { ...status, ok: undefined }), "no ok");
  assert(!check("migrate-status", { ...status, applied: ["1a"] }), "a version that is not digits");
  assert(
    !check("migrate-status", { ...status, migrations: [{ ...status.migrations[0], status: "done" }] }),
    "a status",
  );
  const error = { code: "USAGE", message: "m", file: null, line: null, column: null, detail: null, hint: null };
  assert(check("error", { ok: false, error, applied: [] }), "an envelope with a partial result");
  assert(!check("error", { ok: false, error: { ...error, hint: undefined } }), "an error without hint");
  assert(!check("error", { ok: true, error }), "ok: true");
  assert(!check("error", { ok: false, error: { ...error, line: 0 } }), "line 0");
});

Deno.test({
  name: "schemas: migrate, build, lint, check-schema, verify-reversible and init outputs, and the error envelope",
  ignore: NO_SERVER,
  async fn() {
    await using target = await freshServerDb("cft_schema");
    await using p = await tempProject({
      "db/environments/local.yaml": `database_url: "${target.url}"\n`,
      "db/environments/prod.yaml": `database_url: "${target.url}"\nprotected: true\n`,
      "db/seeds/common/10_users.sql": "INSERT INTO tb_user VALUES (1, 'a@example.test', 'A');\n",
      ...MIGRATIONS,
    });
    const cli = (...args: string[]) => runCli([...args, "--format", "json"], { cwd: p.dir });

    await expectValid("migrate-status", await cli("migrate", "status"), 2);
    await expectValid("migrate-validate", await cli("migrate", "validate"), 0);
    await expectValid("lint", await cli("lint"), 0);
    await expectValid("migrate-up", await cli("migrate", "up", "--dry-run"), 0);
    await expectValid("migrate-up", await cli("migrate", "up"), 0);
    await expectValid("migrate-up", await cli("migrate", "up"), 0); // nothing to apply
    await expectValid("migrate-status", await cli("migrate", "status"), 0);
    await expectValid("migrate-verify", await cli("migrate", "verify"), 0);
    await expectValid("migrate-down", await cli("migrate", "down", "--dry-run"), 0);
    await expectValid("migrate-down", await cli("migrate", "down"), 0);
    await expectValid("migrate-status", await cli("migrate", "status"), 1);
    await expectValid("migrate-baseline", await cli("migrate", "baseline", "--through", "002", "--dry-run"), 0);
    await expectValid("migrate-baseline", await cli("migrate", "baseline", "--through", "002"), 0);
    await expectValid("migrate-reinit", await cli("migrate", "reinit", "--dry-run"), 0);
    await expectValid("migrate-reinit", await cli("migrate", "reinit"), 0);
    await p.write("db/migrations/002_add_name.up.sql", "ALTER TABLE tb_user ADD COLUMN name varchar(80);\n");
    await expectValid("migrate-verify", await cli("migrate", "verify"), 1);
    await expectValid("migrate-validate", await cli("migrate", "validate"), 5);
    await p.write("db/migrations/002_add_name.up.sql", MIGRATIONS["db/migrations/002_add_name.up.sql"]);
    await expectValid("migrate-generate", await cli("migrate", "generate", "add_bio", "--dry-run"), 0);
    await expectValid("migrate-generate", await cli("migrate", "generate", "add_bio"), 0);
    await Deno.remove(`${p.dir}/db/migrations/003_add_bio.up.sql`);
    await Deno.remove(`${p.dir}/db/migrations/003_add_bio.down.sql`);

    // Failures print the envelope on stdout, with whatever partial result the command has.
    await expectValid("error", await cli("migrate", "down", "--steps", "zero"), 5);
    await expectValid("error", await cli("migrate", "down", "--env", "prod"), 5);
    await expectValid("error", await cli("migrate", "status", "--env", "missing"), 5);
    await expectValid(
      "error",
      await cli("migrate", "status", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"),
      3,
    );
    await p.write("db/migrations/003_broken.up.sql", "CREATE TABLE t3 (id int);\nSELECT * FROM tb_missing;\n");
    await p.write("db/migrations/003_broken.down.sql", "DROP TABLE t3;\n");
    const broken = await expectValid("error", await cli("migrate", "up"), 1);
    assertEquals((broken.error as { line: number }).line, 2);
    await Deno.remove(`${p.dir}/db/migrations/003_broken.up.sql`);
    await Deno.remove(`${p.dir}/db/migrations/003_broken.down.sql`);

    await expectValid("build", await cli("build"), 0);
    await expectValid("build", await cli("build", "--check"), 0);
    await p.write("db/schema/20_tb_post.sql", "CREATE TABLE tb_post (pk_post bigint PRIMARY KEY);\n");
    await expectValid("build", await cli("build", "--check"), 1);
    await p.write("db/schema/20_tb_post.sql", "");
    await expectValid("build", await cli("build", "--apply", "--fresh", "--yes"), 0);
    await expectValid("migrate-check-schema", await cli("migrate", "check-schema", "--against", SERVER_URL!), 0);
    await expectValid(
      "migrate-verify-reversible",
      await cli("migrate", "verify-reversible", "--against", SERVER_URL!),
      0,
    );
    // Drift and an irreversible down: the shapes with differences in them.
    await p.write(
      "db/schema/10_tb_user.sql",
      "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email varchar(200));\n",
    );
    const drift = await expectValid(
      "migrate-check-schema",
      await cli("migrate", "check-schema", "--against", SERVER_URL!),
      1,
    );
    assert((drift.differences as unknown[]).length > 0, "check-schema reports the drift");
    await p.write("db/migrations/002_add_name.down.sql", "SELECT 1;\n");
    const irreversible = await expectValid(
      "migrate-verify-reversible",
      await cli("migrate", "verify-reversible", "--against", SERVER_URL!),
      1,
    );
    assertEquals((irreversible.summary as { irreversible: number }).irreversible, 1);
    await expectValid("lint", await cli("lint", "--list-rules"), 0);

    // migrate diff and drift: the DDL now has a column the chain lacks.
    await p.write("db/migrations/002_add_name.down.sql", MIGRATIONS["db/migrations/002_add_name.down.sql"]);
    await p.write(
      "db/schema/10_tb_user.sql",
      MIGRATIONS["db/schema/10_tb_user.sql"].replace("name text", "name text, bio text"),
    );
    const dry = await expectValid("migrate-diff", await cli("migrate", "diff", "add_bio", "--dry-run"), 0);
    assertEquals((dry.migrations as unknown[]).length, 1);
    await expectValid("migrate-diff", await cli("migrate", "diff", "add_bio", "--check"), 1);
    await p.write("db/schema/10_tb_user.sql", "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text);\n");
    await expectValid("migrate-diff", await cli("migrate", "diff", "drop_email"), 1); // data-loss hazard
    await p.write("db/schema/10_tb_user.sql", MIGRATIONS["db/schema/10_tb_user.sql"]);
    await expectValid("migrate-diff", await cli("migrate", "diff", "none"), 0);
    await expectValid("migrate-drift", await cli("migrate", "drift"), 0);
    await target.db.exec("CREATE INDEX idx_by_hand ON tb_user (email)");
    const drifted = await expectValid("migrate-drift", await cli("migrate", "drift"), 1);
    assertEquals((drifted.differences as { object: string }[]).map((d) => d.object), ["public.tb_user.idx_by_hand"]);

    await using fresh = await tempProject();
    await expectValid("init", await runCli(["init", fresh.dir, "--format", "json"]), 0);
  },
});

Deno.test({
  name: "schemas: sync check, sync --dry-run and sync outputs",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cft_schema_sync");
    await using dst = await freshServerDb("cft_schema_sync");
    const ddl = "CREATE TABLE tb_user (pk_user int PRIMARY KEY, email text NOT NULL, phone text);";
    await src.db.exec(`${ddl} INSERT INTO tb_user SELECT i, 'u' || i || '@corp.test', '555-01' || i
      FROM generate_series(1, 50) i; ANALYZE;`);
    await dst.db.exec(ddl);
    await using p = await tempProject({
      "db/environments/prod.yaml": `database_url: "${src.url}"\n`,
      "db/environments/staging.yaml": `database_url: "${dst.url}"\n`,
      "db/anonymization.yaml": "rules:\n  tb_user.email: email\n",
    });
    const cli = (...args: string[]) =>
      runCli([...args, "--format", "json"], { cwd: p.dir, env: { CONFITURE_ANON_KEY: "schema-test-key-0123456789" } });
    await expectValid("sync-check", await cli("sync", "check", "--from", "prod"), 5);
    await p.write("db/anonymization.yaml", "rules:\n  tb_user.email: email\n  tb_user.phone: phone\n");
    await expectValid("sync-check", await cli("sync", "check", "--from", "prod"), 0);
    await expectValid("sync", await cli("sync", "--from", "prod", "--to", "staging", "--dry-run"), 0);
    await expectValid("sync", await cli("sync", "--from", "prod", "--to", "staging"), 0);
  },
});

Deno.test({
  name: "schemas: schema-to-schema setup, analyze, migrate, catch-up, verify and cleanup outputs",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using p = await tempProject({
      "db/environments/legacy.yaml": `database_url: "${pair.source.url}"\n`,
      "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n`,
      "db/schema_to_schema.yaml": MAPPING,
    });
    const s2s = (...args: string[]) =>
      runCli(
        ["migrate", "schema-to-schema", ...args, "--source", "legacy", "--target", "rebuilt", "--format", "json"],
        {
          cwd: p.dir,
        },
      );
    await expectValid("s2s-setup", await s2s("setup"), 0);
    await expectValid("s2s-analyze", await s2s("analyze"), 0);
    await expectValid("s2s-migrate", await s2s("migrate"), 0);
    await expectValid("s2s-catch-up", await s2s("catch-up", "--tables", "tb_user"), 0);
    await pair.source.db.exec("DELETE FROM users WHERE id = 1");
    const deleted = await expectValid("s2s-catch-up", await s2s("catch-up", "--tables", "tb_user", "--delete"), 0);
    assertEquals((deleted.tables as { deleted_keys: string[][] }[])[0].deleted_keys, [["1"]]);
    await expectValid("s2s-verify", await s2s("verify"), 0);
    await expectValid("s2s-cleanup", await s2s("cleanup"), 0);
  },
});

Deno.test({
  name: "schemas: every schema file was exercised by a real output",
  ignore: NO_SERVER,
  // Runs last in this file: the tests above fill `validated`.
  fn() {
    const unused = schemaFiles.filter((n) => !n.startsWith("_")).map((n) => n.replace(/\.schema\.json$/, ""))
      .filter((n) => !validated.has(n) && !CONTRACT_TEST_SCHEMAS.includes(n));
    assertEquals(unused, [], "schemas no test output was validated against");
  },
});
