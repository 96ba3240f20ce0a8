/**
 * The sync PII gate on real databases: personal data inside arrays, json/jsonb, hstore and
 * composite columns is found by `sync check` and refused by `sync`, masked by nested rules
 * with nothing original left in the target; profile rules for missing tables or columns are
 * errors with their line; empty strings stay empty; Confiture's own tables are not personal
 * data; pagila-like names are judged right.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { checkPii } from "../src/sync/check.ts";
import { syncDatabases } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import { ConfigError } from "../src/errors.ts";
import { TrackingTable } from "../src/migrate/tracking_table.ts";
import { ensureCheckpointTable } from "../src/schema_to_schema/checkpoint.ts";
import type { Database } from "../src/db/database.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";

const KEY = new TextEncoder().encode("pii-test-key-0123456789abcdef");

const NESTED_SCHEMA = `
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE TYPE contact_t AS (email text, phone text, note text);
CREATE DOMAIN email_list AS text[];
CREATE TABLE tb_person (
  id int PRIMARY KEY,
  emails text[],
  backup_emails email_list,
  contact jsonb,
  attrs hstore,
  home contact_t,
  email text,
  street text,
  label text
);
`;

// Row 1 holds the edge cases: an empty string and a NULL inside the array, an empty json
// email, an empty plain email and street; row 2 has NULL everywhere it can.
const NESTED_DATA = `
INSERT INTO tb_person
SELECT i,
       ARRAY['p' || i || '@corp.test', 'alt' || i || '@corp.test'],
       ARRAY['b' || i || '@corp.test']::email_list,
       jsonb_build_object('email', 'c' || i || '@corp.test',
                          'phones', jsonb_build_array('+33 6 10 ' || lpad(i::text, 6, '0'), '+33 1 20 ' || lpad(i::text, 6, '0')),
                          'note', 'hello, world', 'id', 12345678901234567890, 'ratio', 1.50),
       hstore(ARRAY['email', 'h' || i || '@corp.test', 'tier', 'gold']),
       ROW('k' || i || '@corp.test', '+1 555 01' || lpad(i::text, 5, '0'), 'keep "me", (really)')::contact_t,
       'plain' || i || '@corp.test',
       i || ' Rue de la Paix',
       'label ' || i
  FROM generate_series(3, 100) i;
INSERT INTO tb_person VALUES
  (1, ARRAY['', NULL, 'one@corp.test'], '{}', '{"email": "", "phones": []}', '"email"=>""', ROW('', NULL, NULL), '', '', ''),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

const NESTED_PROFILE = `rules:
  tb_person.emails: { strategy: email, each: true }
  tb_person.backup_emails: { strategy: email, each: true }
  tb_person.contact:
    json:
      "$.email": email
      "$.phones[*]": { strategy: phone, format: "+1-555-###-####" }
  tb_person.attrs: { hstore: { email: email } }
  tb_person.home:
    fields:
      email: email
      phone: phone
  tb_person.email: email
  tb_person.street: { strategy: address, part: street }
`;

/** Every original personal value of the source (array elements, json, hstore, fields, plain). */
async function originals(db: Database): Promise<string[]> {
  const rows = await db.query<{ v: string }>(
    `SELECT DISTINCT v FROM (
       SELECT unnest(emails) AS v FROM tb_person UNION ALL SELECT unnest(backup_emails) FROM tb_person
       UNION ALL SELECT contact->>'email' FROM tb_person UNION ALL SELECT jsonb_array_elements_text(contact->'phones') FROM tb_person
       UNION ALL SELECT attrs->'email' FROM tb_person UNION ALL SELECT (home).email FROM tb_person
       UNION ALL SELECT (home).phone FROM tb_person UNION ALL SELECT email FROM tb_person UNION ALL SELECT street FROM tb_person
     ) x WHERE v IS NOT NULL AND v <> ''`,
  );
  return rows.map((r) => r.v);
}

async function nestedPair(): Promise<{ src: Database; dst: Database } & AsyncDisposable> {
  const stack = new AsyncDisposableStack();
  try {
    const src = stack.use(await freshServerDb("cfpii"));
    const dst = stack.use(await freshServerDb("cfpii"));
    await src.db.exec(NESTED_SCHEMA + NESTED_DATA);
    await dst.db.exec(NESTED_SCHEMA);
    const owned = stack.move();
    return { src: src.db, dst: dst.db, [Symbol.asyncDispose]: () => owned.disposeAsync() };
  } catch (e) {
    await stack.disposeAsync();
    throw e;
  }
}

Deno.test({
  name: "sync check finds PII inside text[], a domain over text[], jsonb, hstore and a composite; sync refuses it",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await nestedPair();
    const report = await checkPii(pair.src, { rules: new Map() });
    assertEquals(report.ok, false);
    const found = report.unmasked.map((u) => `${u.column.slice("public.tb_person.".length)} ${u.path ?? ""} ${u.kind}`)
      .sort();
    assertEquals(found, [
      "attrs ['email'] email",
      "backup_emails [*] email",
      "contact $.email email",
      "contact $.phones[*] phone",
      "email  email",
      "emails [*] email",
      "home .email email",
      "home .phone phone",
      "street  address",
    ]);
    // sync decides with the same function: every one of them stops the run, nothing moves.
    const err = await syncDatabases(pair.src, pair.dst, { rules: new Map(), key: KEY }).catch((e) => e);
    ok(err instanceof ConfigError, String(err));
    assertEquals(err.code, "SYNC_UNMASKED_PII");
    assertEquals(err.problems.length, 9, err.message);
    ok(err.message.includes("public.tb_person.contact $.phones[*] (jsonb value) looks like phone"), err.message);
    const [{ n }] = await pair.dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM tb_person`);
    assertEquals(n, "0");
    // Half a profile is still a refusal, naming only what is left.
    const half = parseProfile(`rules:\n  tb_person.contact: { json: { "$.email": email } }\n`, "p.yaml");
    const rest = await checkPii(pair.src, { rules: half.rules });
    ok(rest.unmasked.some((u) => u.path === "$.phones[*]"));
    ok(!rest.unmasked.some((u) => u.path === "$.email"));
  },
});

Deno.test({
  name: "sync with nested rules leaves no original value in the target and keeps the rest exactly",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await nestedPair();
    const profile = parseProfile(NESTED_PROFILE, "anonymization.yaml");
    assertEquals((await checkPii(pair.src, { rules: profile.rules })).unmasked, []);
    for (const workers of [0, 2]) {
      const report = await syncDatabases(pair.src, pair.dst, { rules: profile.rules, key: KEY, workers });
      assertEquals(report.total_rows, 100);
      const everything = (await pair.dst.query<{ r: string }>(`SELECT t::text AS r FROM tb_person t`)).map((r) => r.r)
        .join("\n");
      const leaked = (await originals(pair.src)).filter((v) => everything.includes(v));
      assertEquals(leaked, [], `workers=${workers}`);
      // What no rule touched arrives as it was: numbers keep their text, quotes survive.
      const [r] = await pair.dst.query<Record<string, string | null>>(
        `SELECT contact->>'note' AS note, contact->'id' #>> '{}' AS id, (contact->'ratio')::text AS ratio,
                attrs->'tier' AS tier, (home).note AS hnote, label, cardinality(emails)::text AS n,
                contact->>'email' AS cemail, emails[1] AS e1
           FROM tb_person WHERE id = 7`,
      );
      assertEquals(
        [r.note, r.id, r.ratio, r.tier, r.hnote, r.label, r.n],
        ["hello, world", "12345678901234567890", "1.50", "gold", 'keep "me", (really)', "label 7", "2"],
      );
      ok(/^user_[0-9a-f]{16}@example\.com$/.test(r.cemail!) && /^user_[0-9a-f]{16}@example\.com$/.test(r.e1!));
      // Empty strings stay empty and NULLs stay NULL, inside values and in plain columns.
      const [edge] = await pair.dst.query<Record<string, string | null>>(
        `SELECT emails::text AS emails, contact::text AS contact, attrs::text AS attrs, home::text AS home,
                email, street, label FROM tb_person WHERE id = 1`,
      );
      assertEquals(edge.emails!.slice(0, 8), '{"",NULL');
      assertEquals(
        [edge.contact, edge.attrs, edge.home, edge.email, edge.street, edge.label],
        ['{"email": "", "phones": []}', '"email"=>""', '("",,)', "", "", ""],
      );
      const [nulls] = await pair.dst.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM tb_person WHERE id = 2 AND emails IS NULL AND contact IS NULL AND attrs IS NULL
           AND home IS NULL AND email IS NULL`,
      );
      assertEquals(nulls.n, "1");
    }
  },
});

Deno.test({
  name: "sync check and sync --dry-run reject a rule for a missing table or column with file:line and a suggestion",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfpii");
    await using dst = await freshServerDb("cfpii");
    const ddl = `CREATE TYPE contact_t AS (email text, phone text);
      CREATE TABLE tb_person (id int PRIMARY KEY, email text, home contact_t);`;
    await src.db.exec(ddl + `INSERT INTO tb_person VALUES (1, 'a@corp.test', ROW('b@corp.test', '+1 555 0100'));`);
    await dst.db.exec(ddl);
    await using project = await tempProject({
      "db/environments/prod.yaml": `database_url: ${src.url}\n`,
      "db/environments/staging.yaml": `database_url: ${dst.url}\n`,
      "db/anonymization.yaml": [
        "rules:",
        "  tb_person.email: email",
        "  tb_persn.email: email",
        "  tb_person.emial: email",
        "  tb_person.home: { fields: { email: email, phnoe: phone } }",
        "",
      ].join("\n"),
    });
    const env = { CONFITURE_ANON_KEY: "cli-key-0123456789abcdef" };
    for (
      const args of [["sync", "check", "--from", "prod"], ["sync", "--from", "prod", "--to", "staging", "--dry-run"]]
    ) {
      const r = await runCli([...args, "-f", "json"], { cwd: project.dir, env });
      assertEquals(r.code, 5, r.stderr + r.stdout);
      const body = r.json<{ ok: boolean; error: { code: string; message: string } }>();
      assertEquals(body.ok, false);
      assertEquals(body.error.code, "SYNC_RULE_INVALID");
      const m = body.error.message;
      ok(
        m.includes(
          'db/anonymization.yaml:3: public.tb_persn.email: no such table in the source (did you mean "public.tb_person"?)',
        ),
        m,
      );
      ok(
        m.includes(
          'db/anonymization.yaml:4: public.tb_person.emial: no such column in the source (did you mean "public.tb_person.email"?)',
        ),
        m,
      );
      ok(
        m.includes("db/anonymization.yaml:5: public.tb_person.home.phnoe: composite type contact_t has no field phnoe"),
        m,
      );
      ok(m.includes('(did you mean "phone"?)'), m);
    }
    assertEquals((await dst.db.query(`SELECT 1 FROM tb_person`)).length, 0);
  },
});

const PAGILA = `
CREATE TABLE category (category_id int PRIMARY KEY, name text NOT NULL, last_update timestamptz);
CREATE TABLE language (language_id int PRIMARY KEY, name char(20) NOT NULL);
CREATE TABLE country (country_id int PRIMARY KEY, country text NOT NULL);
CREATE TABLE city (city_id int PRIMARY KEY, city text NOT NULL, country_id int REFERENCES country);
CREATE TABLE address (address_id int PRIMARY KEY, address text NOT NULL, address2 text, district text,
  city_id int REFERENCES city, postal_code text, phone text NOT NULL);
CREATE TABLE actor (actor_id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE TABLE film (film_id int PRIMARY KEY, title text NOT NULL, description text, special_features text[],
  fulltext tsvector);
CREATE TABLE staff (staff_id int PRIMARY KEY, first_name text, last_name text, address_id int REFERENCES address,
  email text, active boolean, username text NOT NULL, password varchar(40), picture bytea);
CREATE TABLE customer (customer_id int PRIMARY KEY, first_name text, last_name text, email text, activebool boolean,
  create_date date);
`;

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `sync check on a pagila-like schema finds what is personal and nothing else, Confiture's tables included (${backend.name})`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec(PAGILA);
      // Confiture's own tables, made by the code that owns them, under a tracking name that
      // reads like a table of people (its journal has a \`name\` column).
      const tracking = new TrackingTable({ name: "tb_member_migrations" });
      await tracking.ensure(t.db);
      await tracking.ensureProgress(t.db);
      await new TrackingTable({ name: "tb_confiture" }).ensureProgress(t.db);
      await ensureCheckpointTable(t.db, "confiture_staging");
      const report = await checkPii(t.db, { rules: new Map(), ignoreTables: ["tb_member_migrations"] });
      assertEquals(report.tables, 9);
      assertEquals(report.unmasked.map((u) => `${u.column} ${u.kind}`).sort(), [
        "public.actor.first_name name",
        "public.actor.last_name name",
        "public.address.address address",
        "public.address.address2 address",
        "public.address.phone phone",
        "public.address.postal_code address",
        "public.customer.email email",
        "public.customer.first_name name",
        "public.customer.last_name name",
        "public.staff.email email",
        "public.staff.first_name name",
        "public.staff.last_name name",
        "public.staff.password credential",
        "public.staff.picture photo",
        "public.staff.username name",
      ]);
    },
  });
}
