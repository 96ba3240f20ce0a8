/**
 * `migrate diff` on a real-shaped schema: the pagila-shaped `pg_dump -s` (extensions, domains,
 * an enum, a partitioned table, an EXCLUDE constraint, a materialized view, triggers, RLS) is
 * both `db/schema/` and migration 001. A developer edits the dump the way they would; the diff
 * must write the staged migrations, and every gate a reviewer runs must pass on a populated
 * server database, down to a `pg_dump -s` identical to the one before.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const DUMP = await Deno.readTextFile(new URL("./fixtures/pg_dump/pagila_shaped.sql", import.meta.url));

// The dump is migration 001 as committed, `\restrict` lines and `SET lock_timeout = 0` included
// (tests/pg_dump_chain_test.ts covers that shape on its own).
const INITIAL_DOWN = `DROP SCHEMA rental_ops CASCADE;
DROP VIEW public.actor_info;
DROP AGGREGATE public.group_concat(text);
DROP TABLE public.payment, public.rental, public.inventory, public.film_actor, public.film, public.actor,
  public.customer, public.language;
DROP FUNCTION public._group_concat(text, text), public.film_in_stock(integer, integer), public.touch_last_update();
DROP DOMAIN public.email_address, public.release_year;
DROP TYPE public.film_rating;
DROP EXTENSION btree_gist, citext, hstore, pg_trgm, pgcrypto, "uuid-ossp";
`;

const ROWS = `
INSERT INTO public.language (name) VALUES ('English'), ('French');
INSERT INTO public.film (title, language_id, length, rating)
  SELECT 'Film ' || g, 1 + g % 2, 60 + g, 'PG' FROM generate_series(1, 40) g;
INSERT INTO public.actor (first_name, last_name) SELECT 'A' || g, 'L' || g FROM generate_series(1, 20) g;
INSERT INTO public.film_actor (actor_id, film_id) SELECT 1 + g % 20, g FROM generate_series(1, 40) g;
INSERT INTO public.customer (store_id, first_name, last_name, email)
  SELECT 1, 'C' || g, 'D' || g, 'c' || g || '@x.io' FROM generate_series(1, 30) g;
INSERT INTO public.inventory (film_id, store_id) SELECT g, 1 FROM generate_series(1, 40) g;
INSERT INTO public.rental (rental_period, inventory_id, customer_id)
  SELECT tstzrange(timestamptz '2026-01-01' + g * interval '1 day', timestamptz '2026-01-02' + g * interval '1 day'),
         g, 1 + g % 30 FROM generate_series(1, 40) g;
INSERT INTO public.payment (customer_id, rental_id, amount, payment_date)
  SELECT 1 + g % 30, g, 2.5, timestamptz '2026-01-05' + g * interval '1 day' FROM generate_series(1, 40) g;
`;

const COUNTS =
  `SELECT (SELECT count(*)::int FROM public.film) AS film, (SELECT count(*)::int FROM public.customer) AS customer,
  (SELECT count(*)::int FROM public.rental) AS rental, (SELECT count(*)::int FROM public.payment) AS payment`;

/** `text` with `from` replaced by `to`, exactly once (the edit must land where it is meant to). */
function edit(text: string, from: string, to: string): string {
  assertEquals(text.split(from).length, 2, `expected exactly one ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/**
 * The developer's edit of the dump: a column on a table a view reads and on that view, an index
 * and a CHECK and a FK (on a new column) on existing tables, a trigger function's body, and a
 * new table with a FK to an existing one, placed after the keys it references (as pg_dump would).
 */
function edited(): string {
  let s = DUMP;
  s = edit(
    s,
    "    last_update timestamp with time zone DEFAULT now()\n);",
    "    last_update timestamp with time zone DEFAULT now(),\n    phone text\n);",
  );
  s = edit(
    s,
    "        END AS notes\n   FROM public.customer cu;",
    "        END AS notes,\n    cu.phone\n   FROM public.customer cu;",
  );
  s = edit(
    s,
    "CREATE INDEX idx_title ON public.film USING btree (title);",
    "CREATE INDEX idx_title ON public.film USING btree (title);\n\n" +
      "CREATE INDEX idx_rental_customer ON public.rental USING btree (customer_id);",
  );
  s = edit(
    s,
    "    fulltext tsvector DEFAULT ''::tsvector NOT NULL,\n    last_update timestamp with time zone DEFAULT now() NOT NULL\n);",
    "    fulltext tsvector DEFAULT ''::tsvector NOT NULL,\n    last_update timestamp with time zone DEFAULT now() NOT NULL,\n" +
      "    original_language_id integer,\n    CONSTRAINT film_length_check CHECK ((length > 0))\n);",
  );
  s = edit(
    s,
    "ALTER TABLE ONLY public.inventory\n    ADD CONSTRAINT inventory_film_id_fkey",
    "ALTER TABLE ONLY public.film\n    ADD CONSTRAINT film_original_language_id_fkey FOREIGN KEY (original_language_id) " +
      "REFERENCES public.language(language_id);\n\nALTER TABLE ONLY public.inventory\n    ADD CONSTRAINT inventory_film_id_fkey",
  );
  s = edit(s, "  NEW.last_update := now();", "  NEW.last_update := clock_timestamp();");
  s = edit(
    s,
    "-- PostgreSQL database dump complete",
    `CREATE TABLE public.film_review (
    review_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    film_id integer NOT NULL REFERENCES public.film(film_id) ON DELETE CASCADE,
    stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    body text
);

CREATE INDEX idx_film_review_film ON public.film_review USING btree (film_id);

-- PostgreSQL database dump complete`,
  );
  return s;
}

/** `pg_dump -s` of the database, without Confiture's own tables and the dump's random `\restrict` key. */
async function schemaDump(url: string): Promise<string> {
  // --no-owner: a view the diff rebuilds (DROP + CREATE) is then owned by whoever ran the
  // migration, not by the dump's `postgres` (see the note on view rebuilds in the report of #16).
  const out = await new Deno.Command("pg_dump", {
    args: ["-s", "--no-owner", "-T", "public.tb_confiture*", url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => !/^\\(un)?restrict /.test(l)).join("\n");
}

/** A project whose db/schema/ and migration 001 are `dump`, on a fresh server database (nothing applied yet). */
async function dumpProject(dump = DUMP, down = INITIAL_DOWN) {
  const db = await freshServerDb("cft_diffreal");
  const p = await tempProject({
    "db/environments/local.yaml": "name: local\ndatabase_url: ${DIFF_TEST_URL}\nmigrations_dir: db/migrations\n" +
      "include_dirs:\n  - db/schema\n",
    "db/schema/schema.sql": dump,
    "db/migrations/001_initial.up.sql": dump,
    "db/migrations/001_initial.down.sql": down,
  });
  const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: { DIFF_TEST_URL: db.url } });
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    return r;
  };
  return {
    db,
    p,
    cli,
    ok,
    async [Symbol.asyncDispose]() {
      await db[Symbol.asyncDispose]();
      await p[Symbol.asyncDispose]();
    },
  };
}

const BACKENDS = [
  { name: "pglite", against: [] as string[] },
  { name: "server", against: NO_SERVER ? [] : ["--against", SERVER_URL!] },
];

for (const b of BACKENDS) {
  Deno.test({
    name:
      `[${b.name}] migrate diff on a pagila-shaped pg_dump: staged migrations, every gate, rows kept, down restores`,
    ignore: NO_SERVER,
    async fn() {
      await using s = await dumpProject();
      const { db, p, cli, ok } = s;
      // The starting point: the chain builds db/schema/, and the server holds it with rows.
      await ok("migrate", "check-schema", ...b.against);
      await ok("migrate", "up");
      await db.db.exec(ROWS);
      const rows = await db.db.query(COUNTS);
      const before = await schemaDump(db.url);

      await p.write("db/schema/schema.sql", edited());
      const check = await cli("migrate", "diff", "film_extras", "--check", ...b.against);
      assertEquals(check.code, 1, check.stdout + check.stderr);
      assertStringIncludes(check.stdout, "002_film_extras, 003_film_extras_concurrently, 004_film_extras_validate");
      const listed = () => [...Deno.readDirSync(`${p.dir}/db/migrations`)].map((e) => e.name).sort();
      assertEquals(listed().length, 2, "--check writes nothing");

      const r = await cli("migrate", "diff", "film_extras", "-f", "json", ...b.against);
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const j = r.json<{ status: string; migrations: { name: string; stage: string; up: string; down: string }[] }>();
      assertEquals(j.status, "written");
      assertEquals(j.migrations.map((m) => [m.name, m.stage]), [
        ["film_extras", "main"],
        ["film_extras_concurrently", "concurrently"],
        ["film_extras_validate", "validate"],
      ]);
      assertEquals(listed().slice(2), [
        "002_film_extras.down.sql",
        "002_film_extras.up.sql",
        "003_film_extras_concurrently.down.sql",
        "003_film_extras_concurrently.up.sql",
        "004_film_extras_validate.down.sql",
        "004_film_extras_validate.up.sql",
      ]);
      const [main, conc, validate] = j.migrations;
      for (
        const sql of [
          "ALTER TABLE public.customer ADD COLUMN phone text;",
          "ALTER TABLE public.film ADD COLUMN original_language_id integer;",
          "CHECK (length > 0) NOT VALID;",
          "FOREIGN KEY (original_language_id) REFERENCES public.language(language_id) NOT VALID;",
          "CREATE TABLE public.film_review (",
          "NEW.last_update := clock_timestamp();",
          "CREATE INDEX idx_film_review_film ON public.film_review",
        ]
      ) assertStringIncludes(main.up, sql);
      assertStringIncludes(main.up, "CREATE OR REPLACE VIEW rental_ops.customer_list AS");
      assert(
        main.up.indexOf("ADD COLUMN phone") < main.up.indexOf("CREATE OR REPLACE VIEW rental_ops.customer_list"),
        main.up,
      );
      assertStringIncludes(main.down, "NEW.last_update := now();");
      assertStringIncludes(main.down, "DROP TABLE public.film_review;");
      assertEquals(
        conc.up.split("\n").filter((l) => l.startsWith("CREATE")),
        ["CREATE INDEX CONCURRENTLY idx_rental_customer ON public.rental USING btree (customer_id);"],
      );
      assertStringIncludes(validate.up, "ALTER TABLE public.film VALIDATE CONSTRAINT film_length_check;");
      assertStringIncludes(validate.up, "ALTER TABLE public.film VALIDATE CONSTRAINT film_original_language_id_fkey;");

      // What a reviewer runs before committing, then the deploy: the lint gate is on for `up`.
      await ok("migrate", "check-schema", ...b.against);
      const rev = await ok("migrate", "verify-reversible", ...b.against);
      assertStringIncludes(rev.stdout, "4 reversible, 0 irreversible, 0 failed");
      const up = await ok("migrate", "up");
      assertStringIncludes(up.stdout, "Applied 3 migrations");
      assertEquals(await db.db.query(COUNTS), rows);
      // The live database is what its applied chain (now with the new files) should produce.
      const drift = await ok("migrate", "drift", ...b.against);
      assertStringIncludes(drift.stdout, "No drift");
      const state = await db.db.query<{ name: string; ok: boolean }>(
        `SELECT conname AS name, convalidated AS ok FROM pg_constraint
          WHERE conname IN ('film_length_check', 'film_original_language_id_fkey', 'film_review_film_id_fkey')
         UNION ALL SELECT 'idx_rental_customer', indisvalid FROM pg_index
          WHERE indexrelid = 'public.idx_rental_customer'::regclass ORDER BY 1`,
      );
      assertEquals(state, [
        { name: "film_length_check", ok: true },
        { name: "film_original_language_id_fkey", ok: true },
        { name: "film_review_film_id_fkey", ok: true },
        { name: "idx_rental_customer", ok: true },
      ]);
      const again = await ok("migrate", "diff", "nothing", "--check", ...b.against);
      assertStringIncludes(again.stdout, "No changes");

      await ok("migrate", "down", "--target", "001");
      assertEquals(await db.db.query(COUNTS), rows);
      assertEquals(await schemaDump(db.url), before);
    },
  });
}

const RAILS = await Deno.readTextFile(new URL("./fixtures/pg_dump/rails_structure.sql", import.meta.url));
const RAILS_DOWN = "DROP TABLE public.orders, public.users, public.schema_migrations, public.ar_internal_metadata;\n" +
  "DROP TYPE public.order_status;\nDROP EXTENSION citext, pgcrypto;\n";

Deno.test({
  name: "[pglite] migrate diff on a Rails structure.sql: an enum value, columns, a unique index; gates, up, down",
  ignore: NO_SERVER,
  async fn() {
    await using s = await dumpProject(RAILS, RAILS_DOWN);
    await s.ok("migrate", "up");
    await s.db.db.exec(
      "INSERT INTO public.users (email, created_at, updated_at) SELECT 'u' || g || '@x.io', now(), now() " +
        "FROM generate_series(1, 20) g;\nINSERT INTO public.orders (user_id, status, created_at, updated_at) " +
        "SELECT 1 + g % 20, 'paid', now() + g * interval '1 s', now() FROM generate_series(1, 60) g;",
    );
    const before = await schemaDump(s.db.url);
    let ddl = edit(RAILS, "    'paid',\n", "    'paid',\n    'refunded',\n");
    ddl = edit(
      ddl,
      "    updated_at timestamp(6) without time zone NOT NULL\n);\n\n\n--\n-- Name: schema_migrations",
      "    updated_at timestamp(6) without time zone NOT NULL,\n    shipped_at timestamp(6) without time zone\n);\n\n\n" +
        "--\n-- Name: schema_migrations",
    );
    ddl = edit(
      ddl,
      "CREATE UNIQUE INDEX index_users_on_email",
      "CREATE UNIQUE INDEX index_orders_on_user_id_and_created_at ON public.orders USING btree (user_id, created_at);\n\n" +
        "CREATE UNIQUE INDEX index_users_on_email",
    );
    await s.p.write("db/schema/schema.sql", ddl);
    const r = await s.ok("migrate", "diff", "order_refunds", "-f", "json");
    const j = r.json<{ migrations: { name: string; up: string }[] }>();
    assertEquals(j.migrations.map((m) => m.name), [
      "order_refunds_enum_values",
      "order_refunds",
      "order_refunds_concurrently",
    ]);
    assertStringIncludes(j.migrations[0].up, "ALTER TYPE public.order_status ADD VALUE 'refunded' AFTER 'paid';");
    assertStringIncludes(j.migrations[1].up, "ALTER TABLE public.orders ADD COLUMN shipped_at timestamp(6)");
    assertStringIncludes(j.migrations[2].up, "CREATE UNIQUE INDEX CONCURRENTLY index_orders_on_user_id_and_created_at");
    await s.ok("migrate", "check-schema");
    await s.ok("migrate", "verify-reversible");
    await s.ok("migrate", "up");
    // The new value is usable once its own migration committed; the down of an added value
    // recreates the type, so rows must not hold it any more when it runs.
    await s.db.db.exec("UPDATE public.orders SET status = 'refunded' WHERE total_cents = 0 AND user_id = 1");
    await s.ok("migrate", "drift");
    await s.db.db.exec("UPDATE public.orders SET status = 'paid' WHERE status = 'refunded'");
    await s.ok("migrate", "down", "--target", "001");
    assertEquals(await s.db.db.query("SELECT count(*)::int AS n FROM public.orders"), [{ n: 60 }]);
    assertEquals(await schemaDump(s.db.url), before);
  },
});

// Bugs found on this schema (issue 16), each kept as a case.

Deno.test({
  name: "a column appended to a view's output is CREATE OR REPLACE VIEW, not DROP + CREATE",
  // Appending keeps the view's grants, owner and the views over it; only the down, which must
  // remove the column, drops and creates the view again.
  ignore: NO_SERVER,
  async fn() {
    await using s = await dumpProject();
    await s.p.write("db/schema/schema.sql", edited());
    const r = await s.cli("migrate", "diff", "film_extras", "--dry-run", "-f", "json");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const main = r.json<{ migrations: { up: string; down: string }[] }>().migrations[0];
    assertStringIncludes(main.up, "CREATE OR REPLACE VIEW rental_ops.customer_list AS");
    assert(!main.up.includes("DROP VIEW rental_ops.customer_list"), main.up);
    assertStringIncludes(main.down, "DROP VIEW rental_ops.customer_list;");
    assert(
      main.down.indexOf("DROP VIEW rental_ops.customer_list") < main.down.indexOf("DROP COLUMN phone"),
      main.down,
    );
  },
});

Deno.test({
  name: "the generated migrations apply on a database whose search_path leaves out public",
  // The catalog is read with an empty search_path, as pg_dump reads it: foreign-key targets, view
  // bodies, defaults and casts come out schema-qualified (`REFERENCES public.film(film_id)`).
  ignore: NO_SERVER,
  async fn() {
    await using s = await dumpProject();
    await s.db.db.exec(`ALTER DATABASE ${s.db.name} SET search_path = ''`);
    await s.ok("migrate", "up");
    await s.p.write("db/schema/schema.sql", edited());
    await s.ok("migrate", "diff", "film_extras");
    await s.ok("migrate", "up");
    await s.ok("migrate", "down", "--target", "001");
  },
});

Deno.test({
  name: "a GRANT added to db/schema/ is a difference: check-schema reports it, diff writes GRANT and REVOKE",
  ignore: NO_SERVER,
  async fn() {
    await using s = await dumpProject();
    await s.p.write(
      "db/schema/schema.sql",
      DUMP + "\nGRANT SELECT ON rental_ops.customer_list TO PUBLIC;\nREVOKE EXECUTE ON FUNCTION " +
        "public.film_in_stock(integer, integer) FROM PUBLIC;\n",
    );
    const check = await s.cli("migrate", "check-schema");
    assertEquals(check.code, 1, check.stdout + check.stderr);
    assertStringIncludes(check.stdout + check.stderr, "privileges on view rental_ops.customer_list");
    const r = await s.cli("migrate", "diff", "grant_list", "-f", "json");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const [m] = r.json<{ migrations: { up: string; down: string }[] }>().migrations;
    assertStringIncludes(m.up, "GRANT SELECT ON TABLE rental_ops.customer_list TO PUBLIC;");
    assertStringIncludes(m.up, "REVOKE EXECUTE ON ROUTINE public.film_in_stock(p_film_id integer, p_store_id integer");
    assertStringIncludes(m.down, "REVOKE SELECT ON TABLE rental_ops.customer_list FROM PUBLIC;");
    await s.ok("migrate", "check-schema");
    await s.ok("migrate", "verify-reversible");
    await s.ok("migrate", "up");
    const again = await s.ok("migrate", "diff", "nothing", "--check");
    assertStringIncludes(again.stdout, "No changes");
  },
});
