/**
 * `confiture lint` as users and CI run it: findings on stdout (text or JSON), exit codes
 * 0 / 1 / 4 / 5, allows, and what a connection changes.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const M = "db/migrations";

interface LintJson {
  findings: Record<string, unknown>[];
  summary: { errors: number; warnings: number; allowed: number };
}

Deno.test("lint: findings with rule, severity, file:line:col, why and fix; exit 1 on errors; JSON shape", async () => {
  await using p = await tempProject({
    [`${M}/001_users.up.sql`]: "CREATE TABLE users (id int, email text);\nCREATE INDEX users_email ON users (email);\n",
    [`${M}/001_users.down.sql`]: "DROP TABLE users;\n",
    [`${M}/002_posts_idx.up.sql`]: "-- index for the feed\nCREATE INDEX posts_user ON posts (user_id);\n",
    [`${M}/002_posts_idx.down.sql`]: "DROP INDEX posts_user;\n",
  });
  const text = await runCli(["lint"], { cwd: p.dir });
  assertEquals(text.code, 1, text.stderr);
  assertStringIncludes(
    text.stdout,
    `${M}/002_posts_idx.up.sql:2:1: error [create-index-non-concurrent] CREATE INDEX posts_user on existing table posts`,
  );
  assertStringIncludes(text.stdout, "  fix: Use CREATE INDEX CONCURRENTLY");
  assertStringIncludes(text.stdout, "1 error, 0 warnings, 0 allowed in 2 migrations.");

  const json = await runCli(["lint", "--format", "json"], { cwd: p.dir });
  assertEquals(json.code, 1);
  const out = json.json<LintJson>();
  assertEquals(out.summary, { errors: 1, warnings: 0, allowed: 0 });
  const f = out.findings[0];
  for (const key of ["rule", "severity", "file", "line", "column", "message", "why", "fix", "allowed", "reason"]) {
    assert(key in f, `finding has ${key}`);
  }
  assertEquals([f.rule, f.severity, f.file, f.line, f.column, f.allowed, f.reason], [
    "create-index-non-concurrent",
    "error",
    `${M}/002_posts_idx.up.sql`,
    2,
    1,
    false,
    null,
  ]);
});

Deno.test("lint FILES: warnings alone exit 0; --allow RULE=reason allows; inline allow is honoured", async () => {
  await using p = await tempProject({
    [`${M}/003_no_down.up.sql`]: "SELECT 1;\n",
    [`${M}/004_drop.up.sql`]: "ALTER TABLE users DROP COLUMN legacy;\n" +
      "-- confiture:allow drop-breaks-code unused since release 12\nALTER TABLE users DROP COLUMN old;\n",
    [`${M}/004_drop.down.sql`]: "ALTER TABLE users ADD COLUMN legacy text, ADD COLUMN old text;\n",
  });
  const warn = await runCli(["lint", `${M}/003_no_down.up.sql`], { cwd: p.dir });
  assertEquals(warn.code, 0, warn.stdout);
  assertStringIncludes(warn.stdout, "warning [missing-down]");

  const blocked = await runCli(["lint", `${M}/004_drop.up.sql`, "-f", "json"], { cwd: p.dir });
  assertEquals(blocked.code, 1);
  const b = blocked.json<LintJson>();
  assertEquals(b.findings.map((f) => [f.line, f.allowed, f.reason]), [[1, false, null], [
    3,
    true,
    "unused since release 12",
  ]]);
  assertEquals(b.summary, { errors: 1, warnings: 0, allowed: 1 });

  const allowed = await runCli(
    ["lint", `${M}/004_drop.down.sql`, "--allow", "drop-breaks-code=column emptied in 003", "-f", "json"],
    { cwd: p.dir },
  );
  assertEquals(allowed.code, 0, allowed.stdout);
  assertEquals(allowed.json<LintJson>().findings.map((f) => f.reason), [
    "column emptied in 003",
    "unused since release 12",
  ]);
});

Deno.test("lint exit 4 on SQL that does not parse, with file:line:col; exit 5 on usage and config problems", async () => {
  await using p = await tempProject({
    [`${M}/001_bad.up.sql`]: "-- crée la table\nCREATE TABL users (id int);\n",
    [`${M}/001_bad.down.sql`]: "DROP TABLE users;\n",
    "db/environments/strict.yaml": "lint:\n  rules:\n    missing-donw: error\n",
  });
  const bad = await runCli(["lint"], { cwd: p.dir });
  assertEquals(bad.code, 4, bad.stderr);
  assertStringIncludes(bad.stderr, `${M}/001_bad.up.sql:2:8: syntax error at or near "TABL"`);
  const badJson = await runCli(["lint", "-f", "json"], { cwd: p.dir });
  assertEquals(badJson.code, 4);
  const err = badJson.json<{ error: Record<string, unknown> }>().error;
  assertEquals([err.code, err.file, err.line, err.column], ["SQL_PARSE_ERROR", `${M}/001_bad.up.sql`, 2, 8]);

  const unknownRule = await runCli(["lint", "--allow", "no-such-rule"], { cwd: p.dir });
  assertEquals(unknownRule.code, 5);
  assertStringIncludes(unknownRule.stderr, 'Unknown rule "no-such-rule" in --allow');
  const notMigration = await runCli(["lint", "README.md"], { cwd: p.dir });
  assertEquals(notMigration.code, 5);
  const config = await runCli(["lint", "-c", "db/environments/strict.yaml"], { cwd: p.dir });
  assertEquals(config.code, 5, config.stderr);
  assertStringIncludes(config.stderr, 'did you mean "missing-down"');
});

Deno.test("missing-lock-timeout fires only when the environment turns the runner's lock_timeout off", async () => {
  const files = {
    [`${M}/001_bio.up.sql`]: "ALTER TABLE users ADD COLUMN bio text;\n",
    [`${M}/001_bio.down.sql`]: "ALTER TABLE users DROP COLUMN bio;\n",
  };
  await using p = await tempProject({
    ...files,
    "db/environments/local.yaml": "migration:\n  statement_lock_timeout: 0\n",
  });
  const off = await runCli(["lint", "-f", "json"], { cwd: p.dir });
  assertEquals(off.json<LintJson>().findings.map((f) => f.rule), ["missing-lock-timeout"]);
  assertEquals(off.code, 1);
  await p.write("db/environments/local.yaml", "migration:\n  statement_lock_timeout: 2s\n");
  const on = await runCli(["lint", "-f", "json"], { cwd: p.dir });
  assertEquals([on.code, on.json<LintJson>().findings.length], [0, 0]);
});

Deno.test({
  name: "[server] lint --env lints the pending batch as one and reports live rows",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await db.db.exec(
      "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 20000); ANALYZE events;",
    );
    await using p = await tempProject({
      [`${M}/001_events_idx.up.sql`]: "CREATE INDEX events_id ON events (id);\n",
      [`${M}/001_events_idx.down.sql`]: "DROP INDEX events_id;\n",
      [`${M}/002_tags.up.sql`]: "CREATE TABLE tags (id int);\n",
      [`${M}/002_tags.down.sql`]: "DROP TABLE tags;\n",
      [`${M}/003_tags_idx.up.sql`]: "CREATE INDEX tags_id ON tags (id);\n",
      [`${M}/003_tags_idx.down.sql`]: "DROP INDEX tags_id;\n",
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
    });
    // Without a connection each file is its own batch: 003 cannot know 002 is not applied yet.
    const offline = await runCli(["lint", "-f", "json"], { cwd: p.dir });
    assertEquals(offline.json<LintJson>().findings.map((f) => [f.file, f.rows]), [
      [`${M}/001_events_idx.up.sql`, null],
      [`${M}/003_tags_idx.up.sql`, null],
    ]);
    // With one, the pending migrations are one batch: tags is created in it, events has 20 000 rows.
    const live = await runCli(["lint", "--env", "test", "-f", "json"], { cwd: p.dir });
    assertEquals(live.code, 1, live.stderr);
    const findings = live.json<LintJson>().findings;
    assertEquals(findings.map((f) => [f.file, f.severity, f.rows]), [[`${M}/001_events_idx.up.sql`, "error", 20000]]);
    assertStringIncludes(findings[0].message as string, "(~20,000 rows)");
  },
});
