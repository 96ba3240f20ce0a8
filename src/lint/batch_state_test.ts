/**
 * Relations created earlier in the batch are not live, whatever their kind: no lock rule applies
 * to them, even after pg_dump's `SET lock_timeout = 0`. The same statements on a live relation
 * still fire.
 */
import { assertEquals } from "../../tests/_helpers/assert.ts";
import { type LintMigration, lintMigrations } from "./lint_migrations.ts";

const DUMP_HEAD =
  "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n";

function ups(...sqls: string[]): LintMigration[] {
  return sqls.map((upSql, i) => {
    const version = String(i + 1).padStart(3, "0");
    return { version, name: `m${i + 1}`, upFile: `db/migrations/${version}_m${i + 1}.up.sql`, upSql };
  });
}

async function lockFindings(migrations: LintMigration[]): Promise<string[]> {
  const r = await lintMigrations(migrations, { reversibility: false });
  return r.findings.map((f) => `${f.rule}@${f.version}:${f.line}`);
}

const kinds: { kind: string; create: string; alter: string[] }[] = [
  {
    kind: "sequence",
    create: "CREATE SEQUENCE public.actor_actor_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
    alter: [
      "ALTER TABLE public.actor_actor_id_seq OWNER TO postgres;",
      "ALTER SEQUENCE public.actor_actor_id_seq OWNER TO postgres;",
      "ALTER SEQUENCE public.actor_actor_id_seq OWNED BY public.actor.actor_id;",
      "ALTER SEQUENCE public.actor_actor_id_seq RENAME TO actor_seq;",
    ],
  },
  {
    kind: "view",
    create: "CREATE VIEW public.actor_info AS SELECT actor_id FROM public.actor;",
    alter: [
      "ALTER TABLE public.actor_info OWNER TO postgres;",
      "ALTER VIEW public.actor_info OWNER TO postgres;",
      "ALTER TABLE public.actor_info RENAME TO actor_details;",
    ],
  },
  {
    kind: "materialized view",
    create: "CREATE MATERIALIZED VIEW rental_ops.by_rating AS SELECT actor_id FROM public.actor WITH NO DATA;",
    alter: [
      "ALTER MATERIALIZED VIEW rental_ops.by_rating OWNER TO postgres;",
      "ALTER TABLE rental_ops.by_rating OWNER TO postgres;",
      "REFRESH MATERIALIZED VIEW rental_ops.by_rating;",
    ],
  },
  {
    kind: "index",
    create: "CREATE INDEX idx_actor_last_name ON public.actor USING btree (actor_id);",
    alter: ["ALTER INDEX public.idx_actor_last_name RENAME TO idx_actor_name;"],
  },
  {
    kind: "foreign table",
    create: "CREATE FOREIGN TABLE public.remote_actor (id int) SERVER remote;",
    alter: [
      "ALTER TABLE public.remote_actor OWNER TO postgres;",
      "ALTER FOREIGN TABLE public.remote_actor OWNER TO x;",
    ],
  },
  {
    kind: "table",
    create: "CREATE TABLE public.actor (actor_id integer NOT NULL);",
    alter: [
      "ALTER TABLE public.actor OWNER TO postgres;",
      "ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id);",
    ],
  },
];

for (const { kind, create, alter } of kinds) {
  Deno.test(`${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} created in the same file or earlier in the batch is not live after SET lock_timeout = 0`, async () => {
    const table = "CREATE TABLE public.actor (actor_id integer NOT NULL);\n";
    const body = alter.join("\n");
    assertEquals(await lockFindings(ups(`${DUMP_HEAD}${table}${create}\n${body}\n`)), [], "same file");
    assertEquals(await lockFindings(ups(`${table}${create}\n`, `${DUMP_HEAD}${body}\n`)), [], "earlier in the batch");
  });
}

Deno.test("the same ALTER … OWNER TO on a live sequence or view after SET lock_timeout = 0 still fires", async () => {
  const found = await lockFindings(ups(
    `${DUMP_HEAD}ALTER TABLE public.actor_actor_id_seq OWNER TO postgres;\nALTER TABLE public.actor_info OWNER TO postgres;\n`,
  ));
  assertEquals(found, ["missing-lock-timeout@001:4", "missing-lock-timeout@001:5"]);
});

Deno.test("a relation renamed or moved in the batch stays new under its new name", async () => {
  const found = await lockFindings(ups(
    "CREATE TABLE public.t (id int);\nCREATE SEQUENCE s;\nCREATE VIEW v AS SELECT 1 AS one;\nCREATE INDEX i ON public.t (id);\n",
    `${DUMP_HEAD}ALTER SEQUENCE s RENAME TO s2;\nALTER VIEW v SET SCHEMA app;\nALTER INDEX i RENAME TO i2;\n` +
      "ALTER TABLE s2 OWNER TO postgres;\nALTER TABLE app.v OWNER TO postgres;\nALTER INDEX i2 RENAME TO i3;\n" +
      "ALTER TABLE s OWNER TO postgres;\n",
  ));
  // Only the old name of the sequence, which nothing in the batch holds any more, is live.
  assertEquals(found, ["missing-lock-timeout@002:10"]);
});

Deno.test("CREATE OR REPLACE VIEW may change a live view: it makes nothing new", async () => {
  const found = await lockFindings(ups(
    `${DUMP_HEAD}CREATE OR REPLACE VIEW public.v AS SELECT 1 AS one;\nALTER TABLE public.v OWNER TO postgres;\n`,
  ));
  assertEquals(found, ["missing-lock-timeout@001:5"]);
});
