/**
 * Sync with a schema literally named `my.schema` and a table named `we"ird.users`: profile
 * rules, `--tables`, the FK graph, COPY and the row checks all take the quoted key form
 * (`"my.schema"."we""ird.users"`).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { syncDatabases } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";

const SCHEMA = `
CREATE SCHEMA "my.schema";
CREATE TABLE "my.schema"."we""ird.users" (id int PRIMARY KEY, email text NOT NULL, "first.name" text);
CREATE TABLE "my.schema".orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES "my.schema"."we""ird.users",
  note text);
CREATE TABLE public.unrelated (id int PRIMARY KEY);
`;
const DATA = `
INSERT INTO "my.schema"."we""ird.users" SELECT i, 'user' || i || '@corp.test', 'First' || i FROM generate_series(1, 20) i;
INSERT INTO "my.schema".orders SELECT i, 1 + i % 20, 'order ' || i FROM generate_series(1, 50) i;
INSERT INTO public.unrelated VALUES (1);
`;

const PROFILE = parseProfile(
  `
rules:
  '"my.schema"."we""ird.users".email': email
  '"my.schema"."we""ird.users"."first.name"': { strategy: name, part: first }
`,
  "anonymization.yaml",
);
const KEY = new TextEncoder().encode("test-key-0123456789abcdef");

Deno.test({
  name: "sync handles a dotted schema and a table name with a dot and a quote (rules, --tables, COPY)",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsyncn");
    await using dst = await freshServerDb("cfsyncn");
    await src.db.exec(SCHEMA + DATA);
    await dst.db.exec(SCHEMA);
    assertEquals([...PROFILE.rules.keys()], [
      '"my.schema"."we""ird.users".email',
      '"my.schema"."we""ird.users"."first.name"',
    ]);
    const report = await syncDatabases(src.db, dst.db, {
      rules: PROFILE.rules,
      key: KEY,
      tables: ['"my.schema".*'],
    });
    assertEquals(report.order, ['"my.schema"."we""ird.users"', '"my.schema".orders']);
    assertEquals(report.tables.map((t) => [t.name, t.rows, t.anonymized_columns]), [
      ['"my.schema"."we""ird.users"', 20, ["email", "first.name"]],
      ['"my.schema".orders', 50, []],
    ]);
    const users = await dst.db.query<{ email: string; first: string }>(
      `SELECT email, "first.name" AS first FROM "my.schema"."we""ird.users" ORDER BY id`,
    );
    assertEquals(users.length, 20);
    ok(users.every((u) => !u.email.endsWith("@corp.test") && !u.first.startsWith("First")), JSON.stringify(users[0]));
    const [{ n }] = await dst.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.unrelated`);
    assertEquals(n, "0");
    // The bare table name selects too, quoted the same way.
    const again = await syncDatabases(src.db, dst.db, {
      rules: PROFILE.rules,
      key: KEY,
      tables: ['"we""ird.users"', "orders"],
    });
    assertEquals(again.total_rows, 70);
  },
});
