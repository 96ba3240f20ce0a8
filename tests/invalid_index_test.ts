/**
 * An interrupted `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind; the rerun drops
 * it and builds it again instead of failing with "already exists" forever.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import type { ConfitureEvent } from "../src/events.ts";

// The unique build fails on the duplicate after the index exists, as an interruption would.
const FILES: Record<string, string> = {
  "db/migrations/001_items.up.sql": "CREATE TABLE tb_item (id int, code text);\n" +
    "INSERT INTO tb_item VALUES (1, 'a'), (2, 'a');\n",
  "db/migrations/002_unique_code.up.sql": "SELECT 1;\n" +
    "CREATE UNIQUE INDEX CONCURRENTLY idx_item_code ON tb_item (code);\n",
};

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] rerun after a failed CREATE INDEX CONCURRENTLY drops its INVALID index and builds it`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(FILES);
      await using fresh = await backend.fresh();
      const events: ConfitureEvent[] = [];
      const m = Migrator.fromDatabase(fresh.db, { migrationsDir: `${p.dir}/db/migrations`, projectDir: p.dir }, {
        onEvent: (e) => events.push(e),
      });
      const failed = await m.up({ lint: false }).then(() => undefined, (e) => e as Error);
      assert(failed, "the duplicate must stop the build");
      const invalid = await fresh.db.query(
        "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('idx_item_code') AND NOT indisvalid",
      );
      assertEquals(invalid.length, 1, "the failed build leaves an INVALID index");
      const status = await m.status();
      assertEquals(status.migrations.map((s) => s.status), ["applied", "partial"]);
      assertEquals(status.migrations[1].stopped_at?.statement, 2);

      await fresh.db.exec("DELETE FROM tb_item WHERE id = 2");
      await m.up({ lint: false });
      const valid = await fresh.db.query<{ v: boolean }>(
        "SELECT indisvalid AS v FROM pg_index WHERE indexrelid = to_regclass('idx_item_code')",
      );
      assertEquals(valid, [{ v: true }]);
      assertEquals((await m.status()).migrations.map((s) => s.status), ["applied", "applied"]);
      const said = events.filter((e) => e.type === "info").map((e) => (e as { message: string }).message);
      assert(said.some((s) => s.includes("dropped the INVALID index") && s.includes("idx_item_code")), said.join("\n"));
    },
  });
}

Deno.test({
  name: "[server] status shows the partial statement in the text table, and up says it rebuilt the index",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    await using p = await tempProject({
      ...FILES,
      "db/environments/test.yaml": `name: test\ndatabase_url: ${t.url}\n`,
    });
    const run = (...args: string[]) => runCli([...args, "--env", "test"], { cwd: p.dir });
    assertEquals((await run("migrate", "up", "--no-lint")).code, 1);
    const status = await run("migrate", "status");
    assertEquals(status.code, 1);
    assertStringIncludes(status.stdout, "◐ partial (statement 2 of 2, line 2)");
    assertStringIncludes(status.stdout, "002_unique_code: up stopped before statement 2 of 2");
    await t.db.exec("DELETE FROM tb_item WHERE id = 2");
    const again = await run("migrate", "up", "--no-lint");
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "dropped the INVALID index public.idx_item_code");
  },
});
