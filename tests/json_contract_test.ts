/**
 * The one JSON contract, on real databases (PGlite and the server): every `--format json` run
 * prints exactly one JSON object with a boolean `ok` (true on exit 0, false on a failure),
 * snake_case keys all the way down, valid against its schema; every command family's failure
 * is the `{ok: false, error: {code, message, hint, …}}` envelope. tests/schemas_test.ts runs
 * the same checks on the outputs it covers; this file covers the commands it does not and one
 * failure per family.
 *
 * @module
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { type CliResult, runCli as runCliProcess, type RunCliOptions } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { CONTRACT_TEST_SCHEMAS, expectContract, loadSchemas, nonSnakeKeys } from "./_helpers/schemas.ts";
import { snakeCase, snakeKeys } from "../src/cli/json_document.ts";
import { buildProgram } from "../src/cli/cli.ts";
import { freshPair, MAPPING, SOURCE_DDL } from "./schema_to_schema_fixture.ts";
import type { Command } from "@commander-js/extra-typings";

const { ajv } = loadSchemas();
const validated = new Set<string>();

/** Every command of the live tree that has `--format`, as its words: `migrate up`. */
const JSON_COMMANDS: string[] = [];
(function visit(cmd: Command, path: string[]) {
  if (cmd.options.some((o) => o.long === "--format")) JSON_COMMANDS.push(path.join(" "));
  for (const sub of cmd.commands as Command[]) visit(sub, [...path, sub.name()]);
})(await buildProgram(), []);

/** Which commands this file saw keep the contract on a success (`ok: true`) and on a failure. */
const seen = { success: new Set<string>(), failure: new Set<string>() };
const argsOf = new WeakMap<CliResult, string[]>();

/** `runCli`, remembering the arguments so `expect` knows which command the result is from. */
async function runCli(args: string[], options?: RunCliOptions): Promise<CliResult> {
  const res = await runCliProcess(args, options);
  argsOf.set(res, args);
  return res;
}

/** The command a command line runs: the longest run of its leading words that is a command. */
function commandOf(args: string[]): string {
  const words = args.filter((a) => !a.startsWith("-"));
  for (let n = words.length; n > 0; n--) {
    if (JSON_COMMANDS.includes(words.slice(0, n).join(" "))) return words.slice(0, n).join(" ");
  }
  return "";
}

function expect(schema: string, res: CliResult, code: number): Record<string, unknown> {
  const doc = expectContract(ajv, schema, res, code);
  validated.add(schema);
  const command = commandOf(argsOf.get(res) ?? []);
  if (doc.ok === true) seen.success.add(command);
  if (doc.ok === false && "error" in doc) seen.failure.add(command);
  return doc;
}

/** A failure: the envelope, with a code and the message and hint members. */
function expectFailure(res: CliResult, code: number, errorCode?: string): Record<string, unknown> {
  const doc = expect("error", res, code);
  const error = doc.error as Record<string, unknown>;
  assert(typeof error.message === "string" && "hint" in error, `error has message and hint: ${res.stdout}`);
  if (errorCode) assertEquals(error.code, errorCode, res.stdout);
  return doc;
}

const FILES = {
  "db/migrations/001_create_tb_user.up.sql":
    "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email text NOT NULL);\n",
  "db/migrations/001_create_tb_user.down.sql": "DROP TABLE tb_user;\n",
  "db/schema/10_tb_user.sql": "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email text NOT NULL, name text);\n",
};

Deno.test("json contract: keys are converted to snake_case, names in name maps are kept", () => {
  assertEquals([snakeCase("durationMs"), snakeCase("objectType"), snakeCase("tracking_table")], [
    "duration_ms",
    "object_type",
    "tracking_table",
  ]);
  const out = snakeKeys({ totalRows: 1, expected: { columns: { userId: { notNull: true } } }, list: [{ aB: 1 }] });
  assertEquals(out, { total_rows: 1, expected: { columns: { userId: { not_null: true } } }, list: [{ a_b: 1 }] });
  assertEquals(nonSnakeKeys(out), []);
  assertEquals(nonSnakeKeys({ a: [{ objectType: 1 }] }), ["$.a[0].objectType"]);
});

Deno.test("json contract: migrate current, up, status, drift, diff and erd on PGlite, and their failures", async () => {
  await using p = await tempProject({ ...FILES, "db/environments/local.yaml": 'database_url: "pglite:./.pgdata"\n' });
  const cli = (...args: string[]) => runCli([...args, "--format", "json"], { cwd: p.dir });

  const none = expect("migrate-current", await cli("migrate", "current"), 2);
  assertEquals([none.ok, none.initialized, none.version], [true, false, null]);
  // The seed's status and up shapes gain ok and keep every key they have.
  const fresh = expect("migrate-status", await cli("migrate", "status"), 2);
  assertEquals([fresh.ok, fresh.initialized], [true, false], "not initialised is news, not a problem");
  const up = expect("migrate-up", await cli("migrate", "up"), 0);
  for (const k of ["ok", "applied", "skipped", "errors", "total_duration_ms"]) assert(k in up, `up has ${k}`);
  const status = expect("migrate-status", await cli("migrate", "status"), 0);
  for (const k of ["ok", "tracking_table", "applied", "pending", "migrations", "summary"]) {
    assert(k in status, `status has ${k}`);
  }
  assertEquals(status.ok, true);
  assertEquals(expect("migrate-current", await cli("migrate", "current"), 0).version, "001");
  expect("migrate-verify", await cli("migrate", "verify"), 0);
  expect("migrate-drift", await cli("migrate", "drift"), 0);
  expect("migrate-diff", await cli("migrate", "diff", "add_name", "--dry-run"), 0);
  assertEquals(expect("migrate-diff", await cli("migrate", "diff", "add_name", "--check"), 1).ok, false);
  assert((expect("erd", await cli("erd"), 0).mermaid as string).startsWith("erDiagram"));
  assertEquals(expect("erd", await cli("erd", "-o", "erd.md"), 0).output, "erd.md");

  // Failures, one per family, each the envelope.
  expectFailure(await cli("migrate", "adopt"), 5, "ADOPT_NOT_FOUND");
  expectFailure(await cli("migrate", "current", "--env", "nope"), 5);
  await p.write("db/schema/20_bad.sql", "CREATE TABLE tb_post (fk_user bigint REFERENCES tb_nowhere);\n");
  expectFailure(await cli("erd"), 4);
  expectFailure(await cli("migrate", "diff", "add_post", "--dry-run"), 4);
  await Deno.remove(`${p.dir}/db/schema/20_bad.sql`);
  await p.write("db/migrations/002_broken.up.sql", "SELECT * FROM tb_missing;\n");
  await p.write("db/migrations/002_broken.down.sql", "SELECT 1;\n");
  const broken = expectFailure(await cli("migrate", "up", "--no-lint"), 1, "MIGRATION_FAILED");
  assert(Array.isArray(broken.errors), "a failed up keeps its partial result");
  expectFailure(await cli("migrate", "down", "--steps", "zero"), 5, "USAGE");
});

Deno.test({
  name: "json contract: adopt, drift with differences and a failure of every other family on the server",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_json");
    await using p = await tempProject({ ...FILES, "db/environments/local.yaml": `database_url: "${db.url}"\n` });
    const cli = (...args: string[]) => runCli([...args, "--format", "json"], { cwd: p.dir });
    await db.db.exec(`${FILES["db/migrations/001_create_tb_user.up.sql"]}
      CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
      INSERT INTO schema_migrations VALUES (1, false);`);
    expect("migrate-adopt", await cli("migrate", "adopt", "--dry-run"), 0);
    const adopted = expect("migrate-adopt", await cli("migrate", "adopt"), 0);
    assertEquals((adopted.adopted as unknown[]).length, 1);
    await db.db.exec("ALTER TABLE tb_user ADD COLUMN nickname text");
    const drift = expect("migrate-drift", await cli("migrate", "drift", "--against", SERVER_URL!), 1);
    assert((drift.differences as unknown[]).length > 0, "drift reports the hand-added column");
    const check = expect("migrate-check-schema", await cli("migrate", "check-schema", "--against", SERVER_URL!), 1);
    assert((check.differences as { object_type: string }[]).every((d) => typeof d.object_type === "string"));
    // A failure's details are snake_case too (the drift differences of a refused up).
    const refused = expectFailure(await cli("migrate", "up", "--check-drift"), 1, "DRIFT_DETECTED");
    const differences = (refused.error as { details: { differences: Record<string, unknown>[] } }).details.differences;
    assert(differences.length > 0 && differences.every((d) => "object_type" in d), JSON.stringify(differences));

    // build, lint, sync, schema-to-schema, init and a connection error: each fails as the envelope.
    await p.write("db/schema/20_bad.sql", "CREATE TABLE tb_post (fk_user bigint REFERENCES tb_nowhere);\n");
    expectFailure(await cli("build", "--apply", "--fresh", "--yes"), 4);
    await Deno.remove(`${p.dir}/db/schema/20_bad.sql`);
    expectFailure(await cli("lint", "--changed-since", "no-such-ref-xyz"), 5, "USAGE");
    await p.write("db/migrations/002_index.up.sql", "CREATE INDEX tb_user_email_idx ON tb_user (email);\n");
    await p.write("db/migrations/002_index.down.sql", "DROP INDEX tb_user_email_idx;\n");
    const findings = expect("lint", await cli("lint"), 1);
    assert((findings.findings as unknown[]).length > 0, "lint reports the blocking index build");
    expectFailure(await cli("sync", "--from", "nope", "--to", "local"), 5, "CONFIG_NOT_FOUND");
    expectFailure(await cli("sync", "check", "--from", "nope"), 5, "CONFIG_NOT_FOUND");
    for (const step of ["setup", "analyze", "migrate", "catch-up", "verify", "cleanup"]) {
      expectFailure(await cli("migrate", "schema-to-schema", step, "--source", "nope", "--target", "local"), 5);
    }
    expectFailure(await runCli(["init", `${p.dir}/fresh`, "--no-such-flag", "--format", "json"]), 5, "USAGE");
    expectFailure(
      await cli("migrate", "status", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"),
      3,
    );
  },
});

Deno.test("json contract: every --format json command on PGlite, on a success and on a failure", async () => {
  // db/schema/ matches the migrations, so the report commands succeed.
  await using p = await tempProject({
    "db/migrations/001_create_tb_user.up.sql": FILES["db/migrations/001_create_tb_user.up.sql"],
    "db/migrations/001_create_tb_user.down.sql": FILES["db/migrations/001_create_tb_user.down.sql"],
    "db/schema/10_tb_user.sql": FILES["db/migrations/001_create_tb_user.up.sql"],
    "db/environments/local.yaml": 'database_url: "pglite:./.pgdata"\n',
  });
  const cli = (...args: string[]) => runCli([...args, "--format", "json"], { cwd: p.dir });

  expect("migrate-up", await cli("migrate", "up"), 0);
  expect("migrate-validate", await cli("migrate", "validate"), 0);
  expect("migrate-baseline", await cli("migrate", "baseline", "--through", "001", "--dry-run"), 0);
  expect("migrate-reinit", await cli("migrate", "reinit", "--dry-run"), 0);
  expect("migrate-generate", await cli("migrate", "generate", "add_bio", "--dry-run"), 0);
  expect("migrate-down", await cli("migrate", "down", "--dry-run"), 0);
  expect("migrate-verify-reversible", await cli("migrate", "verify-reversible"), 0);
  expect("migrate-check-schema", await cli("migrate", "check-schema"), 0);
  expect("build", await cli("build"), 0);
  expect("lint", await cli("lint"), 0);
  expect("init", await runCli(["init", `${p.dir}/fresh`, "--format", "json"]), 0);

  // A missing environment fails the same way everywhere: the envelope, exit 5.
  const withEnv = JSON_COMMANDS.filter((c) => !c.startsWith("sync") && !c.includes("schema-to-schema") && c !== "init");
  const argument: Record<string, string[]> = {
    "migrate generate": ["x"],
    "migrate diff": ["x"],
    "migrate baseline": ["--through", "001"],
  };
  for (let i = 0; i < withEnv.length; i += 4) {
    await Promise.all(
      withEnv.slice(i, i + 4).map(async (c) => {
        expectFailure(await cli(...c.split(" "), ...(argument[c] ?? []), "--env", "nope"), 5, "CONFIG_NOT_FOUND");
      }),
    );
  }
  expectFailure(await runCli(["init", `${p.dir}/db/schema/10_tb_user.sql`, "--format", "json"]), 5);
});

Deno.test({
  name: "json contract: sync and schema-to-schema succeed as one snake_case object on the server",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using copy = await freshServerDb("cft_json");
    await copy.db.exec(SOURCE_DDL);
    await using p = await tempProject({
      "db/environments/copy.yaml": `database_url: "${copy.url}"\n`,
      "db/environments/prod.yaml": `database_url: "${pair.source.url}"\n`,
      "db/environments/staging.yaml": `database_url: "${pair.target.url}"\n`,
      "db/schema_to_schema.yaml": MAPPING,
      "db/anonymization.yaml": "rules:\n  users.full_name: name\n  users.email_address: email\n",
    });
    const cli = (...args: string[]) =>
      runCli([...args, "--format", "json"], {
        cwd: p.dir,
        env: { CONFITURE_ANON_KEY: "json-contract-key-0123456789" },
      });
    expect("sync-check", await cli("sync", "check", "--from", "prod"), 0);
    expect("sync", await cli("sync", "--from", "prod", "--to", "copy", "--dry-run"), 0);
    // The refactored target has other tables: refused as a schema error, before any row moves.
    expectFailure(await cli("sync", "--from", "prod", "--to", "staging"), 4, "SYNC_SCHEMA_MISMATCH");
    const s2s = (step: string, ...more: string[]) =>
      cli("migrate", "schema-to-schema", step, "--source", "prod", "--target", "staging", ...more);
    for (const step of ["setup", "analyze", "migrate"]) expect(`s2s-${step}`, await s2s(step), 0);
    expect("s2s-catch-up", await s2s("catch-up", "--tables", "tb_user"), 0);
    for (const step of ["verify", "cleanup"]) expect(`s2s-${step}`, await s2s(step), 0);
  },
});

Deno.test({
  name: "json contract: every command with --format json was seen on a success and on a failure",
  ignore: NO_SERVER,
  // Runs last in this file: the tests above fill `seen`.
  fn() {
    assert(JSON_COMMANDS.length > 25, `only ${JSON_COMMANDS.length} commands have --format`);
    assertEquals(JSON_COMMANDS.filter((c) => !seen.success.has(c)), [], "commands never seen succeed");
    assertEquals(JSON_COMMANDS.filter((c) => !seen.failure.has(c)), [], "commands never seen fail");
  },
});

Deno.test({
  name: "json contract: every schema this file owns was exercised by a real output",
  ignore: NO_SERVER,
  fn() {
    assertEquals(CONTRACT_TEST_SCHEMAS.filter((s) => !validated.has(s)), []);
  },
});
