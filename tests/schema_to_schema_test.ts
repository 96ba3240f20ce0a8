/**
 * Schema-to-schema engine against two real databases on the local server.
 */
import { assert, assertEquals, assertRejects } from "./_helpers/assert.ts";
import { NO_SERVER } from "./_helpers/db.ts";
import { parseDatabaseUrl, type ServerTarget } from "../src/db/url.ts";
import { ConfigError, MigrationError } from "../src/errors.ts";
import type { ConfitureEvent } from "../src/events.ts";
import {
  catchUpTable,
  cleanupForeignServer,
  migrateTable,
  parseMappingFile,
  planTables,
  setupForeignServer,
  type Strategy,
  verifyTable,
} from "../src/copy/mod.ts";
import { freshPair, MAPPING, type Pair } from "./schema_to_schema_fixture.ts";

const STAGING = "confiture_source";

function serverTarget(url: string): ServerTarget {
  return parseDatabaseUrl(url, () => undefined) as ServerTarget;
}

async function plansFor(pair: Pair, strategy: Strategy, mapping = MAPPING) {
  return await planTables(pair.source.db, pair.target.db, parseMappingFile(mapping, "db/schema_to_schema.yaml"), {
    strategy,
  });
}

async function setup(pair: Pair) {
  return await setupForeignServer(
    pair.target.db,
    { user: "root", database: pair.target.name },
    pair.source.db,
    serverTarget(pair.source.url),
    { staging: STAGING, schemas: ["public"] },
  );
}

const migrateOptions = (events: ConfitureEvent[] = []) => ({
  staging: STAGING,
  batchSize: 17,
  throttleMs: 0,
  resume: false,
  restart: false,
  onEvent: (e: ConfitureEvent) => events.push(e),
});

for (const strategy of ["fdw", "copy"] as const) {
  Deno.test({
    name: `s2s ${strategy}: renamed, split and computed columns, a where filter, composite keys, then verify`,
    ignore: NO_SERVER,
    async fn() {
      await using pair = await freshPair();
      await setup(pair);
      const plans = await plansFor(pair, strategy);
      const ends = { source: pair.source.db, target: pair.target.db };
      const events: ConfitureEvent[] = [];
      const results = [];
      for (const plan of plans) results.push(await migrateTable(ends, plan, migrateOptions(events)));
      assertEquals(results.map((r) => [r.table, r.rows, r.batches]), [
        ["public.tb_user", 225, 14],
        ["public.tb_order_line", 120, 8],
      ]);
      const users = await pair.target.db.query<Record<string, unknown>>(
        "SELECT pk_user::int AS id, given_name, family_name, email, is_active, created_by FROM tb_user WHERE pk_user IN (3, 4) ORDER BY 1",
      );
      assertEquals(users, [
        {
          id: 3,
          given_name: "Given3",
          family_name: "Family3",
          email: "user3@example.test",
          is_active: false,
          created_by: "migration",
        },
        {
          id: 4,
          given_name: "Given4",
          family_name: "Family4",
          email: "user4@example.test",
          is_active: true,
          created_by: "migration",
        },
      ]);
      const [{ n }] = await pair.target.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tb_user WHERE pk_user % 10 = 0",
      );
      assertEquals(n, 0, "rows filtered out by where must not be copied");
      const [line] = await pair.target.db.query<{ amount: string }>(
        "SELECT amount::text AS amount FROM tb_order_line WHERE order_id = 7 AND line = 2",
      );
      assertEquals(line.amount, "7.02");
      const progress = events.filter((e) => e.type === "progress" && e.task === "public.tb_user");
      assertEquals(progress.at(-1), { type: "progress", task: "public.tb_user", done: 225, total: 225, unit: "rows" });
      for (const plan of plans) {
        const v = await verifyTable(ends, plan, { chunkSize: 50, maxMismatches: 10, onEvent: () => {} });
        assert(v.match, JSON.stringify(v));
      }
    },
  });
}
