/**
 * `migrate up` runs the lock-aware lint first: errors stop it unless allowed, and allowed
 * findings are stored with the tracking row.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import { MigrationError } from "../src/errors.ts";

const BASE = {
  "db/migrations/001_events.up.sql":
    "CREATE TABLE tb_event (id int PRIMARY KEY, kind text);\nINSERT INTO tb_event SELECT g, 'k' || g FROM generate_series(1, 20000) g;\nANALYZE tb_event;\n",
  "db/migrations/001_events.down.sql": "DROP TABLE tb_event;\n",
  "db/migrations/002_index.up.sql": "CREATE INDEX idx_event_kind ON tb_event (kind);\n",
  "db/migrations/002_index.down.sql": "DROP INDEX idx_event_kind;\n",
};

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `[${backend.name}] a blocking index on a large table stops up; an inline allow lets it through and is recorded`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(BASE);
      await using t = await backend.fresh();
      const m = Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir });
      await m.up({ steps: 1 });
      const e = await assertRejects(() => m.up(), MigrationError, "Lint found 1 error");
      assertEquals((e as MigrationError).code, "LINT_BLOCKED");
      assertEquals((await m.status()).pending, ["002"], "nothing applied");
      await p.write(
        "db/migrations/002_index.up.sql",
        "-- confiture:allow create-index-non-concurrent ops' maintenance window on Sunday, C:\\ok\nCREATE INDEX idx_event_kind ON tb_event (kind);\n",
      );
      assertEquals((await m.up()).applied, ["002"]);
      const [row] = await t.db.query<{ lint_allowed: string }>(
        "SELECT lint_allowed::text FROM tb_confiture WHERE version = '002'",
      );
      const allowed = JSON.parse(row.lint_allowed) as { rule: string; reason: string }[];
      assertEquals(allowed.map((a) => [a.rule, a.reason]), [[
        "create-index-non-concurrent",
        "ops' maintenance window on Sunday, C:\\ok",
      ]]);
    },
  });
}

Deno.test({
  name: "[server] migrate up --allow RULE=reason lets a blocked migration through; --allow of an unknown rule exits 5",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({ ...BASE, "db/environments/test.yaml": `database_url: ${db.url}\n` });
    assertEquals((await runCli(["migrate", "up", "--env", "test", "--steps", "1"], { cwd: p.dir })).code, 0);
    const blocked = await runCli(["migrate", "up", "--env", "test", "--format", "json"], { cwd: p.dir });
    assertEquals(blocked.code, 1);
    // Many findings, so no one location at the top: each finding carries its own.
    const err =
      blocked.json<{ error: { code: string; file: null; details: { findings: { file: string; line: number }[] } } }>()
        .error;
    const first = err.details.findings[0];
    assertEquals([err.code, err.file, first.file, first.line], [
      "LINT_BLOCKED",
      null,
      "db/migrations/002_index.up.sql",
      1,
    ]);
    const text = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir });
    assertEquals(text.code, 1);
    const lines = text.stderr.split("\n");
    assertEquals(lines[0], "error: Lint found 1 error in pending migrations; nothing was applied");
    assertStringIncludes(text.stderr, "\n    db/migrations/002_index.up.sql:1:");
    assert(
      lines.some((l) => l.startsWith("      why: ")) && lines.some((l) => l.startsWith("      fix: ")),
      text.stderr,
    );
    const bad = await runCli(["migrate", "up", "--env", "test", "--allow", "no-such-rule"], { cwd: p.dir });
    assertEquals(bad.code, 5);
    assertStringIncludes(bad.stderr, "no-such-rule");
    const ok = await runCli(
      ["migrate", "up", "--env", "test", "--allow", "create-index-non-concurrent=table is cold at night"],
      { cwd: p.dir },
    );
    assertEquals(ok.code, 0, ok.stderr);
    const [row] = await db.db.query<{ reason: string }>(
      "SELECT lint_allowed -> 0 ->> 'reason' AS reason FROM tb_confiture WHERE version = '002'",
    );
    assert(row.reason === "table is cold at night", JSON.stringify(row));
  },
});

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] down files never stop up: one that does not parse, one that leaves objects behind`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject({
        "db/migrations/001_tags.up.sql": "CREATE TABLE tb_tag (id int);\nCREATE INDEX idx_tag ON tb_tag (id);\n",
        "db/migrations/001_tags.down.sql": "-- forgets the index and the table\nSELECT 1;\n",
        "db/migrations/002_notes.up.sql": "CREATE TABLE tb_note (id int);\n",
        "db/migrations/002_notes.down.sql": "DROP TABLE tb_note CASCAD;\n",
      });
      await using t = await backend.fresh();
      const m = Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir });
      const warnings: string[] = [];
      const r = await Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir }, {
        onEvent: (e) => void (e.type === "warning" && warnings.push(e.message)),
      }).up();
      assertEquals(r.applied, ["001", "002"]);
      assertEquals(warnings, [], "nothing about downs on up");
      assertEquals((await m.status()).pending, []);
      // `confiture lint` still reads them: the incomplete down is a warning, the broken one exit 4.
      const lint = await runCli(["lint", "db/migrations/001_tags.up.sql", "-f", "json"], { cwd: p.dir });
      assertEquals(lint.code, 0, lint.stderr);
      assertEquals(
        lint.json<{ findings: { rule: string; severity: string }[] }>().findings.map((f) => [f.rule, f.severity]),
        [["down-incomplete", "warning"], ["down-incomplete", "warning"]],
      );
      assertEquals((await runCli(["lint", "db/migrations/002_notes.up.sql"], { cwd: p.dir })).code, 4);
    },
  });
}

Deno.test({
  name: "[server] migrate up refuses a migration that releases the deployment lock: exit 1, nothing applied, no allow",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/migrations/001_t.up.sql": "CREATE TABLE tb_t (id int);\n",
      "db/migrations/002_reset.up.sql": "-- confiture:no-transaction\nINSERT INTO tb_t VALUES (1);\n" +
        "-- confiture:allow releases-migration-lock the pooler needs a clean session\nDISCARD ALL;\n" +
        "INSERT INTO tb_t VALUES (2);\n",
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
    });
    const r = await runCli(
      ["migrate", "up", "--env", "test", "--allow", "releases-migration-lock=please", "--format", "json"],
      { cwd: p.dir },
    );
    assertEquals(r.code, 1, r.stderr);
    const err =
      r.json<{ error: { code: string; details: { findings: { rule: string; file: string; line: number }[] } } }>()
        .error;
    const first = err.details.findings[0];
    assertEquals([err.code, first.file, first.line], ["LINT_BLOCKED", "db/migrations/002_reset.up.sql", 4]);
    assertEquals(err.details.findings.map((f) => f.rule), ["releases-migration-lock"]);
    const tables = await db.db.query("SELECT 1 FROM pg_tables WHERE tablename IN ('tb_t', 'tb_confiture_x')");
    assertEquals(tables.length, 0, "nothing applied");
  },
});

Deno.test({
  name: "[server] --no-lint still refuses a migration that releases the deployment lock; nothing applied",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/migrations/001_t.up.sql": "CREATE TABLE tb_t (id int);\n",
      "db/migrations/002_reset.up.sql": "-- confiture:no-transaction\nINSERT INTO tb_t VALUES (1);\n" +
        "SELECT pg_catalog.pg_advisory_unlock_all();\nINSERT INTO tb_t VALUES (2);\n",
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
    });
    const r = await runCli(["migrate", "up", "--env", "test", "--no-lint", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stderr);
    const err = r.json<{ ok: boolean; error: { code: string; file: string; line: number; message: string } }>().error;
    assertEquals([err.code, err.file, err.line], ["RELEASES_MIGRATION_LOCK", "db/migrations/002_reset.up.sql", 3]);
    assertStringIncludes(err.message, "pg_advisory_unlock_all()");
    const tables = await db.db.query("SELECT 1 FROM pg_tables WHERE tablename = 'tb_t'");
    assertEquals(tables.length, 0, "nothing applied");
  },
});
