/**
 * `build --apply` of real `pg_dump -s` output (tests/fixtures/pg_dump/) on the server and on
 * PGlite: the dump's session settings (`search_path` emptied, `check_function_bodies` off,
 * `\restrict`) must not break the build's own bookkeeping; PGlite loads the contrib extensions
 * the dump creates, and refuses one it lacks by name.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { openDatabase } from "../src/db/open.ts";
import type { Database } from "../src/db/database.ts";

const FIXTURES = new URL("./fixtures/pg_dump/", import.meta.url);
const PAGILA = await Deno.readTextFile(new URL("pagila_shaped.sql", FIXTURES));
const RAILS = await Deno.readTextFile(new URL("rails_structure.sql", FIXTURES));

const MIGRATIONS = {
  "db/migrations/001_initial.up.sql": "SELECT 1;\n",
  "db/migrations/001_initial.down.sql": "SELECT 1;\n",
};

/** What both backends must hold after building the pagila-shaped dump. */
async function assertPagilaBuilt(db: Database): Promise<void> {
  const [r] = await db.query<Record<string, unknown>>(
    `SELECT to_regclass('public.tb_confiture') IS NOT NULL AS tracked,
            (SELECT count(*)::int FROM public.tb_confiture WHERE slug LIKE '%_build') AS recorded,
            (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'public.payment'::regclass) AS partitions,
            (SELECT relkind::text FROM pg_class WHERE oid = 'rental_ops.rental_by_rating'::regclass) AS matview,
            (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql') AS exts,
            obj_description('public.film'::regclass, 'pg_class') AS film_comment,
            pg_get_serial_sequence('public.customer', 'customer_id') AS owned_seq`,
  );
  assertEquals(r, {
    tracked: true,
    recorded: 1,
    partitions: 2,
    matview: "m",
    exts: "btree_gist,citext,hstore,pg_trgm,pgcrypto,uuid-ossp",
    film_comment: "Every title the store can rent",
    owned_seq: "public.customer_customer_id_seq",
  });
  // The extensions work, not just exist: the customer defaults call pgcrypto and uuid-ossp.
  await db.exec(
    `INSERT INTO public.customer (store_id, first_name, last_name, email) VALUES (1, 'Ann', 'Lee', 'A@x.io');
    SELECT public.film_in_stock(1, 1); REFRESH MATERIALIZED VIEW rental_ops.rental_by_rating;`,
  );
  const [c] = await db.query<{ ok: boolean }>(
    "SELECT email = 'a@X.IO' AND length(api_token) = 32 AS ok FROM public.customer",
  );
  assertEquals(c.ok, true);
}

async function assertRailsBuilt(db: Database): Promise<void> {
  const [r] = await db.query<Record<string, unknown>>(
    `SELECT (SELECT string_agg(version, ',' ORDER BY version) FROM public.schema_migrations) AS versions,
            to_regclass('public.tb_confiture') IS NOT NULL AS tracked,
            to_regclass('public.ar_internal_metadata') IS NOT NULL AS metadata`,
  );
  assertEquals(r, { versions: "20260110080000,20260214093000,20260301120000", tracked: true, metadata: true });
}

for (
  const [name, dump, check] of [["pagila-shaped pg_dump -s", PAGILA, assertPagilaBuilt], [
    "Rails structure.sql",
    RAILS,
    assertRailsBuilt,
  ]] as const
) {
  Deno.test({
    name: `[server] build --apply of a ${name} file records migrations and leaves the session usable`,
    ignore: NO_SERVER,
    async fn() {
      await using t = await freshServerDb();
      await using p = await tempProject({
        ...MIGRATIONS,
        "db/schema/schema.sql": dump,
        "db/seeds/common/1_check.sql": "CREATE TABLE seeded_with_default_path (id int);\n",
        "db/environments/dev.yaml": `name: dev\ndatabase_url: ${t.url}\n`,
      });
      const r = await runCli(["build", "--apply", "--env", "dev", "--format", "json"], { cwd: p.dir });
      assertEquals(r.code, 0, r.stderr + r.stdout);
      assertEquals(r.json<{ applied: { migrations_recorded: string[] } }>().applied.migrations_recorded, ["001"]);
      await check(t.db);
      // The seed ran on the build's connection after the dump emptied search_path.
      const [s] = await t.db.query<{ ok: boolean }>(
        "SELECT to_regclass('public.seeded_with_default_path') IS NOT NULL AS ok",
      );
      assertEquals(s.ok, true);
    },
  });

  Deno.test(`[pglite] build --apply of a ${name} file loads its extensions; a reopen loads them again`, async () => {
    await using p = await tempProject({
      ...MIGRATIONS,
      "db/schema/schema.sql": dump,
      "db/environments/local.yaml": "name: local\ndatabase_url: pglite:./.confiture/local\n",
    });
    const r = await runCli(["build", "--apply", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 0, r.stderr + r.stdout);
    // Opened with no extension asked for: the adapter sees the installed ones and loads them.
    await using db = await openDatabase({ kind: "pglite", dataDir: `${p.dir}/.confiture/local` });
    await check(db);
  });
}

Deno.test("[pglite] an extension PGlite lacks is exit 4 naming it, before anything runs", async () => {
  await using p = await tempProject({
    "db/schema/00_ext.sql": "CREATE EXTENSION IF NOT EXISTS citext;\nCREATE EXTENSION IF NOT EXISTS postgis;\n",
    "db/schema/10_t.sql": "CREATE TABLE place (id int, name citext);\n",
    "db/migrations/001_place.up.sql": "CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE TABLE place (id int);\n",
    "db/environments/local.yaml": "name: local\ndatabase_url: pglite:./.confiture/local\n",
  });
  const build = await runCli(["build", "--apply", "--format", "json"], { cwd: p.dir });
  assertEquals(build.code, 4, build.stderr + build.stdout);
  const err = build.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
  assertEquals(err.ok, false);
  assertEquals(err.error.code, "PGLITE_EXTENSION_UNAVAILABLE");
  assertStringIncludes(err.error.message, '"postgis"');
  assertStringIncludes(err.error.hint, "--against");
  const text = await runCli(["build", "--apply"], { cwd: p.dir });
  assertEquals(text.code, 4);
  assertStringIncludes(text.stderr, 'no extension "postgis"');
  assert(!(await exists(`${p.dir}/.confiture/local/PG_VERSION`)), "no database was created");

  for (const cmd of [["migrate", "check-schema"], ["migrate", "verify-reversible"]]) {
    const r = await runCli([...cmd, "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 4, `${cmd.join(" ")}: ${r.stderr}${r.stdout}`);
    assertStringIncludes(r.json<{ error: { message: string } }>().error.message, '"postgis"');
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
