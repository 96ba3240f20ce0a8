/**
 * Sync of a declaratively partitioned table shaped like pagila's `payment`: the foreign keys
 * sit on each leaf partition (as pg_dump writes them), not on the root. The FK graph resolves
 * the leaves to their root, so the load order, the row checks and `--tables` all work on the
 * root; naming a leaf in `--tables` syncs its whole partitioned table.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { syncDatabases } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import type { Database } from "../src/db/database.ts";
import { freshServerDb, NO_SERVER, type TempServerDb } from "./_helpers/db.ts";

const LEAVES = ["payment_p2022_01", "payment_p2022_02", "payment_p2022_03"];

const SCHEMA = `
CREATE TABLE customer (customer_id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
  email text, active boolean NOT NULL DEFAULT true);
CREATE TABLE staff (staff_id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
  email text, username text NOT NULL, password text, picture bytea);
CREATE TABLE rental (rental_id int PRIMARY KEY, rental_date timestamptz NOT NULL,
  customer_id int NOT NULL REFERENCES customer, staff_id int NOT NULL REFERENCES staff);
CREATE TABLE payment (payment_id int NOT NULL, customer_id int NOT NULL, staff_id int NOT NULL,
  rental_id int NOT NULL, amount numeric(5,2) NOT NULL, payment_date timestamptz NOT NULL,
  PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
${
  LEAVES.map((leaf, i) => `
CREATE TABLE ${leaf} (LIKE payment INCLUDING DEFAULTS);
ALTER TABLE payment ATTACH PARTITION ${leaf}
  FOR VALUES FROM ('2022-0${i + 1}-01 00:00:00+00') TO ('2022-0${i + 2}-01 00:00:00+00');
ALTER TABLE ONLY ${leaf} ADD CONSTRAINT ${leaf}_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer;
ALTER TABLE ONLY ${leaf} ADD CONSTRAINT ${leaf}_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental;
ALTER TABLE ONLY ${leaf} ADD CONSTRAINT ${leaf}_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff;`).join("\n")
}
`;

const DATA = `
INSERT INTO customer SELECT i, 'Firstname' || i, 'Lastname' || i, 'customer' || i || '@corp.test'
  FROM generate_series(1, 30) i;
INSERT INTO staff VALUES (1, 'Mike', 'Hillyer', 'mike@corp.test', 'mike', 'secret-hash-1', '\\x89504e47'),
  (2, 'Jon', 'Stephens', 'jon@corp.test', 'jon', 'secret-hash-2', NULL);
INSERT INTO rental SELECT i, '2022-01-01'::timestamptz + i * interval '15 hours', 1 + i % 30, 1 + i % 2
  FROM generate_series(1, 120) i;
INSERT INTO payment SELECT i, 1 + i % 30, 1 + i % 2, i, (i % 9) + 0.99,
  '2022-01-01'::timestamptz + i * interval '15 hours' FROM generate_series(1, 120) i;
`;

const PROFILE = parseProfile(
  `
rules:
  customer.first_name: { strategy: name, part: first }
  customer.last_name: { strategy: name, part: last }
  customer.email: email
  staff.first_name: { strategy: name, part: first }
  staff.last_name: { strategy: name, part: last }
  staff.email: email
  staff.username: hash
  staff.password: hash
  staff.picture: "null"
`,
  "anonymization.yaml",
);

const KEY = new TextEncoder().encode("test-key-0123456789abcdef");

async function count(db: Database, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(n);
}

async function pagilaPair(): Promise<{ src: TempServerDb; dst: TempServerDb } & AsyncDisposable> {
  const owned = new AsyncDisposableStack();
  try {
    const src = owned.use(await freshServerDb("cfsyncp"));
    const dst = owned.use(await freshServerDb("cfsyncp"));
    await src.db.exec(SCHEMA + DATA);
    await dst.db.exec(SCHEMA);
    const both = owned.move();
    return { src, dst, [Symbol.asyncDispose]: () => both.disposeAsync() };
  } catch (e) {
    await owned.disposeAsync();
    throw e;
  }
}

async function assertLoaded(src: Database, dst: Database): Promise<void> {
  for (const t of ["customer", "staff", "rental", "payment", ...LEAVES]) {
    assertEquals(await count(dst, t), await count(src, t), t);
  }
  assertEquals(await count(dst, "payment_p2022_01"), 49);
  // Every leaf's foreign keys hold in the target.
  const orphans = await dst.query(
    `SELECT 1 FROM payment p WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.customer_id = p.customer_id)
        OR NOT EXISTS (SELECT 1 FROM rental r WHERE r.rental_id = p.rental_id)
        OR NOT EXISTS (SELECT 1 FROM staff s WHERE s.staff_id = p.staff_id)`,
  );
  assertEquals(orphans.length, 0);
  // PII masked, the rest intact.
  const [c] = await dst.query<{ first_name: string; email: string }>(
    `SELECT first_name, email FROM customer WHERE customer_id = 7`,
  );
  ok(c.first_name !== "Firstname7" && c.email !== "customer7@corp.test", JSON.stringify(c));
  const staff = await dst.query<{ password: string; picture: string | null; first_name: string }>(
    `SELECT password, picture::text AS picture, first_name FROM staff ORDER BY staff_id`,
  );
  ok(staff.every((s) => s.picture === null && !s.password.startsWith("secret") && s.first_name !== "Mike"));
  const [p] = await dst.query<{ amount: string }>(`SELECT amount::text AS amount FROM payment WHERE payment_id = 10`);
  assertEquals(p.amount, "1.99");
}

Deno.test({
  name: "sync loads a pagila-shaped partitioned payment whose leaves carry the foreign keys, after its parents",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await pagilaPair();
    const report = await syncDatabases(pair.src.db, pair.dst.db, { rules: PROFILE.rules, key: KEY });
    const order = report.order;
    for (const parent of ["public.customer", "public.staff", "public.rental"]) {
      ok(order.indexOf(parent) < order.indexOf("public.payment"), `${parent} before payment: ${order}`);
    }
    ok(!order.some((t) => LEAVES.some((l) => t.endsWith(l))), "leaves load through their root");
    assertEquals(report.tables.find((t) => t.name === "public.payment")?.rows, 120);
    await assertLoaded(pair.src.db, pair.dst.db);
  },
});

Deno.test({
  name: "sync --tables accepts the partitioned root or one of its leaves (the whole root is synced)",
  ignore: NO_SERVER,
  async fn() {
    for (const name of ["payment", "payment_p2022_01"]) {
      await using pair = await pagilaPair();
      // Everything first, then payment alone again: the leaves' FKs to its parents must not block it.
      await syncDatabases(pair.src.db, pair.dst.db, { rules: PROFILE.rules, key: KEY });
      await pair.dst.db.exec(`DELETE FROM payment`);
      const report = await syncDatabases(pair.src.db, pair.dst.db, { rules: PROFILE.rules, key: KEY, tables: [name] });
      assertEquals(report.order, ["public.payment"], name);
      assertEquals(report.total_rows, 120, name);
      await assertLoaded(pair.src.db, pair.dst.db);
    }
  },
});
