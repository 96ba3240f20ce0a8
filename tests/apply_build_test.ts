/**
 * `applyBuild`, the build medium's library entry, called directly (no CLI): fresh, apply,
 * migrations recorded, seeds; and the protected-environment guard on `fresh`, which the
 * library enforces for every caller.
 */
import { assert as ok, assertEquals } from "./_helpers/assert.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { loadEnvironment } from "../src/config/load.ts";
import { openDatabase } from "../src/db/open.ts";
import { applyBuild, ConfitureError } from "../src/mod.ts";
import type { ConfitureEvent } from "../src/events.ts";

const SCHEMA = {
  "db/schema/10_tables/1_tb_user.sql": "CREATE TABLE tb_user (\n  pk_user int PRIMARY KEY,\n  name text NOT NULL\n);\n",
  "db/migrations/001_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/seeds/common/1_users.sql": "INSERT INTO tb_user VALUES (1, 'seeded');\n",
};

/** One database reachable by URL, on each backend. */
const ENDS = [
  { name: "pglite", ignore: false, open: () => Promise.resolve({ url: "pglite:./.confiture/lib", close: () => {} }) },
  {
    name: "server",
    ignore: NO_SERVER,
    open: async () => {
      const t = await freshServerDb("cft_applybuild");
      await t.db.close();
      return { url: t.url, close: () => t[Symbol.asyncDispose]() };
    },
  },
];

for (const end of ENDS) {
  Deno.test({
    name:
      `applyBuild: fresh, apply, record migrations, seed; fresh on a protected environment is refused (${end.name})`,
    ignore: end.ignore,
    async fn() {
      const where = await end.open();
      try {
        await using p = await tempProject({
          ...SCHEMA,
          "db/environments/dev.yaml": `name: dev\ndatabase_url: ${where.url}\n`,
          "db/environments/prod.yaml": `name: prod\ndatabase_url: ${where.url}\nprotected: true\n`,
        });
        const load = (env: string) => loadEnvironment({ projectDir: p.dir, env, getEnv: () => undefined });
        const events: ConfitureEvent[] = [];
        const report = await applyBuild(await load("dev"), { fresh: true, onEvent: (e) => events.push(e) });
        assertEquals(report.fresh, true);
        assertEquals(report.migrationsRecorded, ["001"]);
        assertEquals(report.seeds, ["db/seeds/common/1_users.sql"]);
        ok(events.some((e) => e.type === "info" && e.message.startsWith("Recreating ")), JSON.stringify(events));

        const prod = await load("prod");
        const err = await applyBuild(prod, { fresh: true }).catch((e) => e);
        ok(err instanceof ConfitureError && err.code === "PROTECTED_ENVIRONMENT", String(err));
        assertEquals(err.exitCode, 5);
        // Nothing was dropped: the seeded row is still there.
        const db = await openDatabase(prod.target);
        try {
          assertEquals(await db.query("SELECT name FROM tb_user"), [{ name: "seeded" }]);
          await db.exec("DROP TABLE tb_user; DROP TABLE tb_confiture");
        } finally {
          await db.close();
        }

        // Without fresh, a protected environment is applied to (the CLI asks first); no seeds asked.
        const again = await applyBuild(prod, { seeds: false });
        assertEquals([again.fresh, again.seeds, again.migrationsRecorded], [false, [], ["001"]]);
      } finally {
        await where.close();
      }
    },
  });
}
