/**
 * What a migration does to its session (search_path, a custom GUC, set_config(…, false), as a
 * raw pg_dump file does) reaches neither the next migration nor Confiture's own statements:
 * one batch gives the same database as one migration per run.
 */
import { assertEquals } from "./_helpers/assert.ts";
import { BACKENDS } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import type { Database } from "../src/db/database.ts";

const FILES: Record<string, string> = {
  // What `pg_dump -s` starts with, plus a GUC of our own.
  "db/migrations/001_dump.up.sql": "SELECT pg_catalog.set_config('search_path', '', false);\n" +
    "SET app.flag = 'leaked';\n" +
    "CREATE TABLE public.tb_a (id int);\n",
  "db/migrations/002_reads.up.sql": "CREATE TABLE tb_b AS\n" +
    "  SELECT current_setting('app.flag', true) AS flag, current_setting('search_path') AS sp;\n",
  // Outside a transaction: the journal is written after each statement, under the file's settings.
  "db/migrations/003_concurrently.up.sql": "SELECT pg_catalog.set_config('search_path', '', false);\n" +
    "SET app.flag = 'leaked again';\n" +
    "CREATE INDEX CONCURRENTLY idx_a ON public.tb_a (id);\n" +
    "SELECT 1;\n",
  "db/migrations/004_reads_again.up.sql": "CREATE TABLE tb_c AS\n" +
    "  SELECT current_setting('app.flag', true) AS flag, current_setting('search_path') AS sp;\n",
};

async function snapshot(db: Database) {
  const tables = await db.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname IN ('tb_a', 'tb_b', 'tb_c', 'idx_a') ORDER BY 1`,
  );
  // A custom setting once defined on a connection reads as '' after RESET ALL, null on another.
  const b = await db.query("SELECT coalesce(flag, '') AS flag, sp FROM public.tb_b");
  const c = await db.query("SELECT coalesce(flag, '') AS flag, sp FROM public.tb_c");
  const versions = await db.query<{ version: string }>("SELECT version FROM public.tb_confiture ORDER BY 1");
  return { tables: tables.map((r) => r.t), b, c, versions: versions.map((r) => r.version) };
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] session state set by a migration does not leak: one batch equals one per run`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(FILES);
      const results = [];
      let defaultPath = "";
      for (const perRun of [false, true]) {
        await using fresh = await backend.fresh();
        [{ sp: defaultPath }] = await fresh.db.query<{ sp: string }>("SELECT current_setting('search_path') AS sp");
        const m = Migrator.fromDatabase(fresh.db, { migrationsDir: `${p.dir}/db/migrations`, projectDir: p.dir });
        if (perRun) { for (let i = 0; i < 4; i++) await m.up({ steps: 1, lint: false }); }
        else await m.up({ lint: false });
        const status = await m.status();
        assertEquals(status.migrations.map((s) => s.status), ["applied", "applied", "applied", "applied"]);
        results.push(await snapshot(fresh.db));
      }
      assertEquals(results[0], results[1]);
      const [batch] = results;
      assertEquals(batch.tables, ["public.idx_a", "public.tb_a", "public.tb_b", "public.tb_c"]);
      assertEquals(batch.b, [{ flag: "", sp: defaultPath }]);
      assertEquals(batch.c, [{ flag: "", sp: defaultPath }]);
      assertEquals(batch.versions, ["001", "002", "003", "004"]);
    },
  });
}
