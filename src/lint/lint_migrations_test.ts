import { assert, assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { SchemaError } from "../errors.ts";
import { type LintMigration, lintMigrations, type LintOptions } from "./lint_migrations.ts";
import { allowedFindings, blockingFindings, lintBlockedError } from "./lint_gate.ts";

/** A batch of up files (each with an empty down unless given). */
function batch(...ups: (string | { up: string; down?: string | null })[]): LintMigration[] {
  return ups.map((u, i) => {
    const { up, down } = typeof u === "string" ? { up: u, down: "" } : u;
    const version = String(i + 1).padStart(3, "0");
    return {
      version,
      name: `m${i + 1}`,
      upFile: `db/migrations/${version}_m${i + 1}.up.sql`,
      upSql: up,
      ...(down === null ? {} : { downFile: `db/migrations/${version}_m${i + 1}.down.sql`, downSql: down ?? "" }),
    };
  });
}

/** `rule:severity` for every finding of the rules under test (reversibility noise left out). */
async function fired(migrations: LintMigration[], options: LintOptions = {}, only?: string): Promise<string[]> {
  const r = await lintMigrations(migrations, options);
  return r.findings
    .filter((f) => only ? f.rule === only : f.rule !== "down-incomplete" && f.rule !== "missing-down")
    .map((f) => `${f.rule}:${f.severity}${f.allowed ? ":allowed" : ""}`);
}

const cases: {
  rule: string;
  fires: LintMigration[];
  quiet: LintMigration[];
  options?: LintOptions;
  severity?: string;
}[] = [
  {
    rule: "create-index-non-concurrent",
    fires: batch("CREATE INDEX idx_email ON users (email);"),
    quiet: batch("CREATE INDEX CONCURRENTLY idx_email ON users (email);"),
  },
  {
    rule: "create-index-non-concurrent",
    fires: batch("CREATE UNIQUE INDEX ON app.users (lower(email));"),
    // Created earlier in the same pending batch: the table is empty, nobody waits.
    quiet: batch("CREATE TABLE t (a int);", "CREATE INDEX i ON t (a);"),
  },
  {
    rule: "add-column-volatile-default",
    fires: batch("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
    quiet: batch("ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();"),
  },
  {
    rule: "add-column-volatile-default",
    fires: batch("ALTER TABLE users ADD COLUMN n bigserial;"),
    quiet: batch("ALTER TABLE users ADD COLUMN n int DEFAULT 0;"),
  },
  {
    rule: "add-column-volatile-default",
    fires: batch("ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (id * 2) STORED;"),
    quiet: batch("CREATE TABLE t (a int);", "ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid();"),
  },
  {
    rule: "add-column-volatile-default",
    // A function created in the batch without a volatility is VOLATILE.
    fires: batch(
      "CREATE FUNCTION mk() RETURNS int LANGUAGE sql AS 'select 1';\nALTER TABLE users ADD COLUMN n int DEFAULT mk();",
    ),
    quiet: batch(
      "CREATE FUNCTION mk() RETURNS int LANGUAGE sql IMMUTABLE AS 'select 1';\nALTER TABLE users ADD COLUMN n int DEFAULT mk();",
    ),
  },
  {
    rule: "alter-column-type-rewrite",
    fires: batch("ALTER TABLE users ALTER COLUMN id TYPE bigint;"),
    quiet: batch("CREATE TABLE t (a int);", "ALTER TABLE t ALTER COLUMN a TYPE bigint;"),
  },
  {
    rule: "set-not-null-scan",
    fires: batch("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
    quiet: batch(
      "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;",
      "ALTER TABLE users VALIDATE CONSTRAINT email_nn;",
      "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    ),
  },
  {
    rule: "constraint-without-not-valid",
    fires: batch("ALTER TABLE posts ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);"),
    quiet: batch("ALTER TABLE posts ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"),
  },
  {
    rule: "constraint-without-not-valid",
    // VALIDATE in the same migration runs in the same transaction: the ADD's lock is still held.
    fires: batch("ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;"),
    quiet: batch("ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;", "ALTER TABLE t VALIDATE CONSTRAINT c;"),
  },
  {
    rule: "add-unique-constraint",
    fires: batch("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
    quiet: batch("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;"),
  },
  {
    rule: "rename-breaks-code",
    fires: batch("ALTER TABLE users RENAME COLUMN name TO full_name;"),
    quiet: batch("CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;"),
  },
  {
    rule: "rename-breaks-code",
    fires: batch("ALTER TABLE users RENAME TO accounts;"),
    quiet: batch("ALTER INDEX users_email_idx RENAME TO users_email_key;"),
  },
  {
    rule: "drop-breaks-code",
    fires: batch("ALTER TABLE users DROP COLUMN legacy;"),
    quiet: batch("ALTER TABLE users DROP CONSTRAINT users_legacy_check;"),
  },
  {
    rule: "drop-breaks-code",
    fires: batch("DROP TABLE IF EXISTS old_sessions;"),
    quiet: batch("CREATE TABLE scratch (a int);", "DROP TABLE scratch;"),
  },
  {
    rule: "missing-lock-timeout",
    options: { statementLockTimeoutMs: 0 },
    fires: batch("ALTER TABLE users ADD COLUMN bio text;"),
    quiet: batch("SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN bio text;"),
  },
  {
    rule: "missing-lock-timeout",
    options: { statementLockTimeoutMs: 0 },
    fires: batch("SELECT set_config('lock_timeout', '0', true);\nTRUNCATE users;"),
    quiet: batch("SELECT set_config('lock_timeout', '3s', true);\nTRUNCATE users;"),
  },
  {
    rule: "missing-lock-timeout",
    // The file's directive replaces the runner's value, either way.
    fires: batch("-- confiture:lock_timeout 0\nALTER TABLE users ADD COLUMN bio text;"),
    quiet: batch("-- confiture:lock_timeout=3s\nALTER TABLE users ADD COLUMN bio text;"),
    options: { statementLockTimeoutMs: 0 },
  },
  {
    rule: "missing-lock-timeout",
    // Statement by statement (no-transaction), SET LOCAL does nothing; a session SET does.
    options: { statementLockTimeoutMs: 0 },
    fires: batch("-- confiture:no-transaction\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN bio text;"),
    quiet: batch("-- confiture:no-transaction\nSET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN bio text;"),
  },
  {
    rule: "constraint-without-not-valid",
    // A file that runs statement by statement commits the NOT VALID constraint before validating it.
    fires: batch(
      "BEGIN;\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;",
    ),
    quiet: batch(
      "-- confiture:no-transaction\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;",
    ),
  },
  {
    rule: "constraint-without-not-valid",
    fires: batch("ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;"),
    quiet: batch(
      "BEGIN;\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;",
    ),
  },
  {
    rule: "missing-lock-timeout",
    // The runner's own SET LOCAL lock_timeout (default 5 s) covers the file; setting 0 undoes it.
    fires: batch("SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN bio text;"),
    quiet: batch("ALTER TABLE users ADD COLUMN bio text;"),
  },
];

for (const [i, c] of cases.entries()) {
  Deno.test(`rule ${c.rule} (${i}): fires on the unsafe form, not on the safe one`, async () => {
    const hits = await fired(c.fires, c.options);
    assert(hits.includes(`${c.rule}:error`), `expected ${c.rule} in ${JSON.stringify(hits)}`);
    const quiet = await fired(c.quiet, c.options);
    assert(!quiet.some((h) => h.startsWith(`${c.rule}:`)), `did not expect ${c.rule} in ${JSON.stringify(quiet)}`);
  });
}

Deno.test("uncertain findings are warnings: unknown function volatility, unknown old column type", async () => {
  assertEquals(await fired(batch("ALTER TABLE users ADD COLUMN n int DEFAULT my_fn();")), [
    "add-column-volatile-default:warning",
  ]);
  assertEquals(await fired(batch("ALTER TABLE users ALTER COLUMN name TYPE text;")), [
    "alter-column-type-rewrite:warning",
  ]);
});

Deno.test("missing-down fires without a down file, and not with one", async () => {
  assertEquals(await fired(batch({ up: "SELECT 1;", down: null }), {}, "missing-down"), ["missing-down:warning"]);
  assertEquals(await fired(batch({ up: "SELECT 1;", down: "SELECT 1;" }), {}, "missing-down"), []);
});

Deno.test("down-incomplete names each object the down leaves behind", async () => {
  const up = "CREATE TABLE tags (id int);\nCREATE INDEX idx_users_email ON users (email);\n" +
    "ALTER TABLE users ADD COLUMN bio text;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';";
  const r = await lintMigrations(batch({ up, down: "DROP TABLE tags;" }));
  const left = r.findings.filter((f) => f.rule === "down-incomplete");
  assertEquals(left.map((f) => f.line), [2, 3, 4]);
  assert(left[0].message.includes("index idx_users_email"), left[0].message);
  assert(left[1].message.includes("column users.bio"), left[1].message);
  assertEquals(left[0].file, "db/migrations/001_m1.up.sql");

  const complete =
    "DROP FUNCTION f();\nALTER TABLE users DROP COLUMN bio;\nDROP INDEX idx_users_email;\nDROP TABLE tags;";
  assertEquals(await fired(batch({ up, down: complete }), {}, "down-incomplete"), []);
  // Renames in the up are followed: the down drops the new names.
  assertEquals(
    await fired(
      batch({
        up:
          "CREATE TABLE a (x int);\nCREATE INDEX a_x ON a (x);\nALTER TABLE a RENAME TO b;\nALTER INDEX a_x RENAME TO b_x;",
        down: "DROP INDEX b_x;\nDROP TABLE b;",
      }),
      {},
      "down-incomplete",
    ),
    [],
  );
  // Dropping a table takes its indexes with it; dropping a schema takes what was created in it.
  assertEquals(
    await fired(
      batch({ up: "CREATE TABLE t (a int);\nCREATE INDEX ON t (a);", down: "DROP TABLE t;" }),
      {},
      "down-incomplete",
    ),
    [],
  );
  assertEquals(
    await fired(
      batch({
        up: "CREATE SCHEMA s;\nCREATE TABLE s.t (a int);\nCREATE VIEW s.v AS SELECT 1;",
        down: "DROP SCHEMA s CASCADE;",
      }),
      {},
      "down-incomplete",
    ),
    [],
  );
});

Deno.test("inline allow covers the next statement (or the one it trails) and records its reason", async () => {
  const up = [
    "-- confiture:allow create-index-non-concurrent users has 40 rows",
    "CREATE INDEX a ON users (x);",
    "CREATE INDEX b ON users (y); -- confiture:allow create-index-non-concurrent same small table",
    "CREATE INDEX c ON users (z);",
  ].join("\n");
  const r = await lintMigrations(batch({ up, down: "DROP INDEX a, b, c;" }));
  assertEquals(r.findings.map((f) => [f.line, f.allowed, f.reason]), [
    [2, true, "users has 40 rows"],
    [3, true, "same small table"],
    [4, false, null],
  ]);
  assertEquals(r.summary, { errors: 1, warnings: 0, allowed: 2 });
  assert(!r.ok);
  assertEquals(allowedFindings(r, "001").map((f) => f.reason), ["users has 40 rows", "same small table"]);
  assertEquals(blockingFindings(r).map((f) => f.line), [4]);
  const err = lintBlockedError(r);
  // The summary has no single location: each blocking finding carries its own.
  assertEquals([err.code, err.exitCode, err.file, err.line], ["LINT_BLOCKED", 1, undefined, undefined]);
  const findings = (err.details as { findings: { file: string; line: number }[] }).findings;
  assertEquals(findings.map((f) => [f.file, f.line]), [["db/migrations/001_m1.up.sql", 4]]);
});

Deno.test("an allow without a reason, or naming an unknown rule, is reported and not applied", async () => {
  const up = "-- confiture:allow create-index-non-concurrent\nCREATE INDEX a ON users (x);\n" +
    "-- confiture:allow create-index-concurent typo\nCREATE INDEX b ON users (y);";
  const r = await lintMigrations(batch({ up, down: "DROP INDEX a, b;" }));
  assertEquals(r.findings.map((f) => `${f.rule}@${f.line}:${f.column}${f.allowed ? " allowed" : ""}`).sort(), [
    "create-index-non-concurrent@2:1",
    "create-index-non-concurrent@4:1",
    "invalid-allow@1:1",
    "invalid-allow@3:1",
  ]);
});

Deno.test("--allow allows every finding of a rule; config can turn a rule off or change its severity", async () => {
  const m = batch("CREATE INDEX a ON users (x);\nALTER TABLE users DROP COLUMN legacy;");
  const allowed = await lintMigrations(m, { allow: new Map([["drop-breaks-code", "column unused since v2"]]) });
  const drop = allowed.findings.find((f) => f.rule === "drop-breaks-code")!;
  assertEquals([drop.allowed, drop.reason], [true, "column unused since v2"]);
  assertEquals(
    await fired(m, { settings: { rules: { "drop-breaks-code": "off", "create-index-non-concurrent": "warning" } } }),
    ["create-index-non-concurrent:warning"],
  );
});

Deno.test("positions are line:column in characters, after non-ASCII text", async () => {
  const up = "-- Données: café ☕\nSELECT 'é';  CREATE INDEX i ON users (x);";
  const r = await lintMigrations(batch({ up, down: "DROP INDEX i;" }));
  assertEquals([r.findings[0].line, r.findings[0].column], [2, 14]);
});

Deno.test("unparseable SQL is a SchemaError (exit 4) at file:line:column", async () => {
  const err = await assertRejects(
    () => lintMigrations(batch("-- résumé\nSELECT 'é';\nCREATE TABL users (id int);")),
    SchemaError,
  ) as SchemaError;
  assertEquals([err.exitCode, err.file, err.line, err.column], [4, "db/migrations/001_m1.up.sql", 3, 8]);
  assert(err.message.includes('syntax error at or near "TABL"'), err.message);
});

Deno.test("a table created earlier in the batch stays new under its new name, and only there", async () => {
  const renamed = batch(
    "CREATE TABLE a (x int);\nCREATE TABLE other.a (x int);",
    "ALTER TABLE a RENAME TO b;\nCREATE INDEX b_x ON b (x);\nCREATE INDEX oa_x ON other.a (x);",
  );
  assertEquals(await fired(renamed, {}, "create-index-non-concurrent"), []);
  const oldName = batch("CREATE TABLE a (x int);", "ALTER TABLE a RENAME TO b;\nCREATE INDEX a_x ON public.a (x);");
  assertEquals(await fired(oldName, {}, "create-index-non-concurrent"), ["create-index-non-concurrent:error"]);
});
