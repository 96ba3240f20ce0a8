/**
 * `migrate verify-reversible`: replay up → down → up on a scratch database and report every down
 * that does not restore the schema. PGlite by default; a temporary server database with --against.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshPglite, NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { verifyReversible, type VerifyReversibleResult } from "../src/migrate/verify_reversible.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

const M = "db/migrations";

/** 002's down forgets the index its up creates. */
const FORGETS_INDEX = {
  [`${M}/001_t.up.sql`]: "CREATE TABLE t (a int, b int);\n",
  [`${M}/001_t.down.sql`]: "DROP TABLE t;\n",
  [`${M}/002_t_a_idx.up.sql`]: "CREATE INDEX idx_t_a ON t (a);\n",
  [`${M}/002_t_a_idx.down.sql`]: "-- forgot DROP INDEX idx_t_a\nSELECT 1;\n",
  [`${M}/003_t_c.up.sql`]: "ALTER TABLE t ADD COLUMN c int;\n",
  [`${M}/003_t_c.down.sql`]: "ALTER TABLE t DROP COLUMN c;\n",
};

Deno.test("[pglite] verifyReversible: a down that forgets an index is irreversible, with the catalog difference", async () => {
  await using p = await tempProject(FORGETS_INDEX);
  const db = await freshPglite();
  try {
    const r = await verifyReversible(db, { migrationsDir: `${p.dir}/${M}`, projectDir: p.dir });
    assertEquals(r.migrations.map((m) => [m.version, m.status]), [
      ["001", "reversible"],
      ["002", "irreversible"],
      ["003", "not-checked"],
    ]);
    assert(!r.ok);
    const m2 = r.migrations[1];
    assertEquals(m2.differences.map((d) => [d.kind, d.objectType, d.object]), [["extra", "index", "public.t.idx_t_a"]]);
    assertStringIncludes(m2.diff!, "idx_t_a");
    // Re-applying the up then fails because the index is still there; the replay stops.
    assertEquals([m2.step, m2.error?.file, m2.error?.sqlstate], ["up again", `${M}/002_t_a_idx.up.sql`, "42P07"]);
    assertEquals(r.summary, { checked: 2, reversible: 1, irreversible: 1, failed: 0, noDown: 0, notChecked: 1 });
  } finally {
    await db.close();
  }
});

Deno.test("[pglite] verifyReversible: a failing down is reported at file:line:col; replay goes on, CONCURRENTLY included", async () => {
  await using p = await tempProject({
    [`${M}/001_t.up.sql`]: "CREATE TABLE t (a int);\n",
    [`${M}/001_t.down.sql`]: "DROP TABLE t;\n",
    [`${M}/002_c.up.sql`]: "ALTER TABLE t ADD COLUMN c int;\n",
    [`${M}/002_c.down.sql`]: "-- wrong column\nUPDATE t SET a = missing_col;\n",
    // Runs outside a transaction, as the migration runner does for CONCURRENTLY.
    [`${M}/003_idx.up.sql`]: "CREATE INDEX CONCURRENTLY idx_t_c ON t (c);\n",
    [`${M}/003_idx.down.sql`]: "DROP INDEX CONCURRENTLY idx_t_c;\n",
    [`${M}/004_seed.up.sql`]: "INSERT INTO t VALUES (1, 2);\n",
  });
  const db = await freshPglite();
  try {
    const r = await verifyReversible(db, { migrationsDir: `${p.dir}/${M}`, projectDir: p.dir });
    assertEquals(r.migrations.map((m) => m.status), ["reversible", "failed", "reversible", "no-down"]);
    const e = r.migrations[1].error!;
    assertEquals([r.migrations[1].step, e.file, e.line, e.column, e.sqlstate], [
      "down",
      `${M}/002_c.down.sql`,
      2,
      18,
      "42703",
    ]);
    assert(!r.ok);
  } finally {
    await db.close();
  }
});

Deno.test("migrate verify-reversible (PGlite): exit 1 and the difference on stdout; exit 0 when every down restores", async () => {
  await using p = await tempProject(FORGETS_INDEX);
  const bad = await runCli(["migrate", "verify-reversible"], { cwd: p.dir });
  assertEquals(bad.code, 1, bad.stderr);
  assertStringIncludes(bad.stdout, "✗ 002_t_a_idx: down does not restore the schema");
  assertStringIncludes(bad.stdout, "idx_t_a");
  assertStringIncludes(bad.stdout, "1 reversible, 1 irreversible, 0 failed, 0 without down, 1 not checked");

  await p.write(`${M}/002_t_a_idx.down.sql`, "DROP INDEX idx_t_a;\n");
  const good = await runCli(["migrate", "verify-reversible", "-f", "json"], { cwd: p.dir });
  assertEquals(good.code, 0, good.stderr);
  const r = good.json<VerifyReversibleResult>();
  assertEquals([r.ok, r.summary.reversible], [true, 3]);
});

Deno.test("migrate verify-reversible --against needs a postgres:// URL (exit 5)", async () => {
  await using p = await tempProject(FORGETS_INDEX);
  const r = await runCli(["migrate", "verify-reversible", "--against", "pglite:memory"], { cwd: p.dir });
  assertEquals(r.code, 5);
  assertStringIncludes(r.stderr, "--against needs a postgres:// URL");
});

Deno.test({
  name: "[server] migrate verify-reversible --against: scratch database on the server, dropped afterwards",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject(FORGETS_INDEX);
    const r = await runCli(["migrate", "verify-reversible", "--against", SERVER_URL!, "-f", "json"], { cwd: p.dir });
    assertEquals(r.code, 1, r.stderr);
    const out = r.json<VerifyReversibleResult>();
    assertEquals(out.migrations.map((m) => m.status), ["reversible", "irreversible", "not-checked"]);
    const scratch = /\/(confiture_scratch_[0-9a-f]+)/.exec(out.database)?.[1];
    assert(scratch, out.database);
    const admin = await openDatabase(parseDatabaseUrl(SERVER_URL!, () => undefined), { max: 1 });
    try {
      const left = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [scratch]);
      assertEquals(left.length, 0);
    } finally {
      await admin.close();
    }
  },
});
