/**
 * On a server, `up` sends a file that runs statement by statement (CREATE INDEX CONCURRENTLY)
 * behind the transactional migrations still in flight, and the next ones behind its last
 * message. Its first message carries the guard: it must never run when a migration before it
 * failed, even one that fails only at COMMIT (a deferred constraint), after its statements.
 */
import { assert, assertEquals, assertRejects } from "./_helpers/assert.ts";
import { BACKENDS } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { MigrationUpError, Migrator } from "../src/migrate/migrator.ts";
import type { Database } from "../src/db/database.ts";

const FILES: Record<string, string> = {
  "db/migrations/001_items.up.sql": "CREATE TABLE t1 (id int PRIMARY KEY, code text);\n",
  // The foreign key is checked at COMMIT: every statement succeeds, then the commit fails.
  "db/migrations/002_deferred.up.sql": "CREATE TABLE p2 (id int PRIMARY KEY);\n" +
    "CREATE TABLE c2 (p int REFERENCES p2 DEFERRABLE INITIALLY DEFERRED);\n" +
    "INSERT INTO c2 VALUES (42);\n",
  "db/migrations/003_code_index.up.sql": "CREATE INDEX CONCURRENTLY t1_code ON t1 (code);\n",
  "db/migrations/004_more.up.sql": "CREATE TABLE t4 (id int);\n",
  "db/migrations/005_more_index.up.sql": "CREATE INDEX CONCURRENTLY t4_id ON t4 (id);\n",
  "db/migrations/006_last.up.sql": "CREATE TABLE t6 (id int);\n",
};

async function indexes(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname IN ('t1', 't4') ORDER BY 1`,
  );
  return rows.map((r) => `${r.name}${r.valid ? "" : " (INVALID)"}`);
}

async function journal(db: Database): Promise<number> {
  const [{ exists }] = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('tb_confiture_progress') IS NOT NULL AS exists",
  );
  if (!exists) return 0;
  return (await db.query("SELECT 1 FROM tb_confiture_progress")).length;
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] a CONCURRENTLY file behind a migration whose COMMIT fails never runs`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(FILES);
      await using fresh = await backend.fresh();
      const db = fresh.db;
      const m = Migrator.fromDatabase(db, { migrationsDir: `${p.dir}/db/migrations`, projectDir: p.dir });
      const e = await assertRejects(() => m.up(), MigrationUpError);
      assertEquals([e.result.applied, e.result.errors[0]?.sqlstate], [["001"], "23503"]);
      assertEquals(await indexes(db), ["t1_pkey"], "003's index was not built");
      assertEquals((await db.query("SELECT 1 FROM pg_class WHERE relname IN ('p2', 'c2', 't4', 't6')")).length, 0);
      assertEquals(await journal(db), 0, "no journal row for a file that never ran");
      const versions = async () =>
        (await db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY pk_confiture"))
          .map((r) => r.version);
      assertEquals(await versions(), ["001"]);

      // Fixed, the rest applies once each, in order, and both indexes are valid.
      await p.write("db/migrations/002_deferred.up.sql", "CREATE TABLE p2 (id int PRIMARY KEY);\n");
      const r = await m.up();
      assertEquals(r.applied, ["002", "003", "004", "005", "006"]);
      assertEquals(await versions(), ["001", "002", "003", "004", "005", "006"]);
      assertEquals(await indexes(db), ["t1_code", "t1_pkey", "t4_id"]);
      assertEquals(await journal(db), 0);
      assert(r.migrations.every((x) => x.duration_ms >= 0));
      assertEquals((await m.status()).pending.length, 0);
    },
  });
}
