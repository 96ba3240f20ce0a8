/**
 * Schema-to-schema engine against two real databases on the local server.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_helpers/assert.ts";
import { openDatabase } from "../src/db/open.ts";
import { freshPglite, NO_SERVER } from "./_helpers/db.ts";
import { parseDatabaseUrl, type ServerTarget } from "../src/db/url.ts";
import { ConfigError, MigrationError } from "../src/errors.ts";
import type { ConfitureEvent } from "../src/events.ts";
import {
  catchUpTable,
  cleanupForeignServer,
  type DataPath,
  FdwError,
  migrateTable,
  parseMappingFile,
  planTables,
  setupForeignServer,
  verifyTable,
} from "../src/schema_to_schema/mod.ts";
import { freshPair, MAPPING, type Pair } from "./schema_to_schema_fixture.ts";

const STAGING = "confiture_source";

function serverTarget(url: string): ServerTarget {
  return parseDatabaseUrl(url, () => undefined) as ServerTarget;
}

async function plansFor(pair: Pair, strategy: DataPath, mapping = MAPPING) {
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
      assertEquals(results[0].sequences.map((x) => [x.column, x.value]), [["pk_user", 249]]);
      const [next] = await pair.target.db.query<{ id: number }>(
        "INSERT INTO tb_user (given_name, family_name, email, is_active) VALUES ('a', 'b', 'c', true) RETURNING pk_user::int AS id",
      );
      assertEquals(next.id, 250, "the identity continues after the largest copied key");
      await pair.target.db.exec("DELETE FROM tb_user WHERE pk_user = 250");
      const progress = events.filter((e) => e.type === "progress" && e.task === "public.tb_user");
      assertEquals(progress.at(-1), { type: "progress", task: "public.tb_user", done: 225, total: 225, unit: "rows" });
      for (const plan of plans) {
        const v = await verifyTable(ends, plan, { chunkSize: 50, maxMismatches: 10, onEvent: () => {} });
        assert(v.match, JSON.stringify(v));
      }
    },
  });
}

for (const strategy of ["fdw", "copy"] as const) {
  Deno.test({
    name: `s2s ${strategy}: catch-up upserts rows changed since the copy and reports deleted ones`,
    ignore: NO_SERVER,
    async fn() {
      await using pair = await freshPair();
      await setup(pair);
      const [plan] = await plansFor(pair, strategy);
      const ends = { source: pair.source.db, target: pair.target.db };
      await migrateTable(ends, plan, migrateOptions());
      await pair.source.db.exec(`
        UPDATE users SET email_address = 'changed' || id || '@example.test', updated_at = now() WHERE id IN (4, 5, 201);
        INSERT INTO users (id, full_name, email_address, status) VALUES (251, 'New Person', 'new@example.test', 'active');
        DELETE FROM users WHERE id IN (7, 8);
        UPDATE users SET email_address = 'stale@example.test' WHERE id = 11; -- updated_at not bumped: not caught`);
      const options = {
        staging: STAGING,
        sinceColumn: "updated_at",
        overlapMs: 0,
        batchSize: 2,
        throttleMs: 0,
        maxDeletedKeys: 10,
        applyDeletes: false,
        onEvent: () => {},
      };
      const r = await catchUpTable(ends, plan, options);
      assertEquals([r.rows, r.deleted, r.deletedKeys], [4, 2, [["7"], ["8"]]]);
      const rows = await pair.target.db.query<{ id: number; email: string }>(
        "SELECT pk_user::int AS id, email FROM tb_user WHERE pk_user IN (4, 5, 11, 201, 251) ORDER BY 1",
      );
      assertEquals(rows.map((x) => x.email), [
        "changed4@example.test",
        "changed5@example.test",
        "user11@example.test",
        "changed201@example.test",
        "new@example.test",
      ]);
      // The next catch-up starts where this one began: nothing changed since.
      const again = await catchUpTable(ends, plan, options);
      assertEquals([again.rows, again.deleted], [0, 2]);
      const applied = await catchUpTable(ends, plan, { ...options, applyDeletes: true });
      assertEquals([applied.deleted, applied.deletedKeys, applied.deletesApplied], [2, [["7"], ["8"]], true]);
      // Counts now agree; only row 11, changed without bumping updated_at, still differs, and verify finds it.
      const v = await verifyTable(ends, plan, { chunkSize: 100, maxMismatches: 1, onEvent: () => {} });
      assertEquals([v.sourceRows, v.targetRows, v.mismatchCount], [224, 224, 1]);
      assertEquals(v.mismatches[0].after, null);
    },
  });
}

Deno.test({
  name: "s2s verify names the table and key range of a corrupted row and of a missing row",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    const plans = await plansFor(pair, "copy");
    const ends = { source: pair.source.db, target: pair.target.db };
    for (const plan of plans) await migrateTable(ends, plan, migrateOptions());
    await pair.target.db.exec(`UPDATE tb_user SET family_name = 'Tampered' WHERE pk_user = 123;
      DELETE FROM tb_order_line WHERE order_id = 40 AND line = 3`);
    const options = { chunkSize: 50, maxMismatches: 10, onEvent: () => {} };
    const users = await verifyTable(ends, plans[0], options);
    assertEquals([users.match, users.sourceRows, users.targetRows, users.mismatchCount], [false, 225, 225, 1]);
    // Chunks of 50 filtered rows: ids 1–55 hold 50 rows (5 deleted), so 123 falls in (111, 166].
    assertEquals(users.mismatches, [{
      after: ["111"],
      upTo: ["166"],
      sourceRows: 50,
      targetRows: 50,
      differs: "checksum",
    }]);
    const lines = await verifyTable(ends, plans[1], options);
    assertEquals([lines.match, lines.sourceRows, lines.targetRows], [false, 120, 119]);
    assertEquals(lines.mismatches, [{
      after: ["34", "1"],
      upTo: null,
      sourceRows: 20,
      targetRows: 19,
      differs: "row_count",
    }]);
  },
});

Deno.test({
  name: "s2s plan reports every mapping problem at once: columns on both sides, types, keys, where",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await pair.target.db.exec(`CREATE TABLE tb_nokey (id integer, label text);
      CREATE TABLE tb_typed (id integer PRIMARY KEY, n integer NOT NULL, extra text NOT NULL)`);
    const mapping = `tables:
  tb_user:
    source: users
    columns:
      pk_user: id
      given_nam: full_name
      family_name: surname
      email: email_address
      is_active: "no_such_column = 1"
    where: "deleted = true"
  tb_nokey:
    source: users
    columns: { id: id, label: full_name }
  tb_typed:
    source: users
    columns: { id: id, n: full_name }
  tb_missing:
    source: nowhere
`;
    const e = await assertRejects(() => plansFor(pair, "fdw", mapping), ConfigError) as ConfigError;
    const at = (line: number, table: string) => `db/schema_to_schema.yaml:${line}: public.${table}: `;
    assertEquals(e.problems, [
      at(2, "tb_user") + 'unknown target column "given_nam" (did you mean "given_name"?)',
      at(2, "tb_user") + 'unknown source column "surname" for "family_name"',
      at(2, "tb_user") + 'expression for "is_active" fails on the source: column "no_such_column" does not exist',
      at(2, "tb_user") + 'target column "given_name" is NOT NULL without a default but is not mapped',
      at(2, "tb_user") + 'where fails on the source: column "deleted" does not exist',
      at(11, "tb_nokey") + "no key for batching: public.tb_nokey has no primary key; set key: to a unique column",
      at(14, "tb_typed") +
      'type mismatch for "n": source text cannot be stored in target integer; cast it in the mapping, e.g. n: "full_name::integer"',
      at(14, "tb_typed") + 'target column "extra" is NOT NULL without a default but is not mapped',
      at(17, "tb_missing") + "target table public.tb_missing does not exist in the target database",
      at(17, "tb_missing") + "source table public.nowhere does not exist in the source database",
    ]);
  },
});

Deno.test({
  name: "s2s migrate refuses a started table without --resume and a non-empty target without --restart",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    const [plan] = await plansFor(pair, "copy");
    const ends = { source: pair.source.db, target: pair.target.db };
    await migrateTable(ends, plan, migrateOptions());
    await assertRejects(() => migrateTable(ends, plan, migrateOptions()), MigrationError, "already copied (225 rows)");
    await pair.target.db.exec("TRUNCATE tb_user; ALTER TABLE tb_user ADD CONSTRAINT small CHECK (pk_user < 30)");
    const failed = await assertRejects(
      () => migrateTable(ends, plan, { ...migrateOptions(), restart: true }),
      MigrationError,
    ) as MigrationError;
    assertEquals(
      failed.message,
      'Cannot copy public.tb_user (batch after key (18)): new row for relation "tb_user" violates check constraint "small"',
    );
    assertStringIncludes(failed.hint!, "migrate --resume");
    await pair.target.db.exec("ALTER TABLE tb_user DROP CONSTRAINT small");
    const continued = await migrateTable(ends, plan, { ...migrateOptions(), resume: true });
    assertEquals([continued.rows, continued.totalRows], [208, 225]);
    const resumed = await migrateTable(ends, plan, { ...migrateOptions(), resume: true });
    assertEquals([resumed.skipped, resumed.rows, resumed.totalRows], [true, 0, 225]);
    await pair.target.db.exec("DROP SCHEMA confiture_source CASCADE");
    await assertRejects(() => migrateTable(ends, plan, migrateOptions()), MigrationError, "already has rows");
    const again = await migrateTable(ends, plan, { ...migrateOptions(), restart: true });
    assertEquals([again.rows, again.totalRows], [225, 225]);
  },
});

Deno.test({
  name: "s2s setup without privilege says what to grant; setup is idempotent; cleanup removes everything",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    const role = `cft_s2s_weak_${crypto.randomUUID().slice(0, 8)}`;
    await pair.target.db.exec(`CREATE ROLE ${role} LOGIN`);
    try {
      const url = new URL(pair.target.url);
      url.username = role;
      const weak = await openDatabase(parseDatabaseUrl(url.toString(), () => undefined));
      try {
        const e = await assertRejects(
          () =>
            setupForeignServer(
              weak,
              { user: role, database: pair.target.name },
              pair.source.db,
              serverTarget(pair.source.url),
              {
                staging: STAGING,
                schemas: ["public"],
              },
            ),
          FdwError,
        ) as FdwError;
        assertStringIncludes(e.message, "Permission denied");
        assertStringIncludes(e.hint!, `GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO ${role}`);
      } finally {
        await weak.close();
      }
    } finally {
      await pair.target.db.exec(`DROP ROLE ${role}`);
    }
    const first = await setup(pair);
    const second = await setup(pair);
    assertEquals([first.updated, second.updated, second.foreignTables], [false, true, 2]);
    const cleaned = await cleanupForeignServer(pair.target.db, STAGING);
    assertEquals([cleaned.droppedServer, cleaned.droppedSchema], [true, true]);
    const [left] = await pair.target.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM pg_foreign_server) + (SELECT count(*) FROM pg_user_mappings)
            + (SELECT count(*) FROM pg_namespace WHERE nspname = 'confiture_source') AS n`,
    );
    assertEquals(Number(left.n), 0);
    assertEquals((await cleanupForeignServer(pair.target.db, STAGING)).droppedServer, false);
  },
});

Deno.test({
  name: "s2s copy: batches of several hundred kB stream through and leave both connections usable",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await pair.source.db.exec(`CREATE TABLE blobs (id integer PRIMARY KEY, body text NOT NULL);
      INSERT INTO blobs SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 6000) g`);
    await pair.target.db.exec("CREATE TABLE blobs (id integer PRIMARY KEY, body text NOT NULL)");
    const [plan] = await plansFor(pair, "copy", "tables:\n  blobs: {}\n");
    const ends = { source: pair.source.db, target: pair.target.db };
    const r = await migrateTable(ends, plan, { ...migrateOptions(), batchSize: 2500 });
    assertEquals([r.rows, r.batches], [6000, 3]);
    const v = await verifyTable(ends, plan, { chunkSize: 4000, maxMismatches: 1, onEvent: () => {} });
    assertEquals([v.match, v.sourceRows, v.targetRows], [true, 6000, 6000]);
  },
});

Deno.test({
  name: "s2s setup on a target without postgres_fdw says what to install",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    // Embedded PGlite ships without postgres_fdw: a real engine where the extension is missing.
    const embedded = await freshPglite();
    try {
      const e = await assertRejects(
        () =>
          setupForeignServer(
            embedded,
            { user: "postgres", database: "postgres" },
            pair.source.db,
            serverTarget(pair.source.url),
            {
              staging: STAGING,
              schemas: ["public"],
            },
          ),
        FdwError,
        "The target server has no postgres_fdw extension available",
      ) as FdwError;
      assertStringIncludes(e.hint!, "postgresql-contrib");
      assertStringIncludes(e.hint!, "--strategy copy");
    } finally {
      await embedded.close();
    }
  },
});
