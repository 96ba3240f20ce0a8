/**
 * Production sync on real databases, how rows move: foreign-key order, self-references, cycles,
 * a one-connection pool, the snapshot row counter, server → PGlite and PGlite → PGlite.
 * Masking and refusals: sync_masking_test.ts; the shared fixture: sync_fixture.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { syncDatabases } from "../src/sync/sync.ts";
import { SchemaError } from "../src/errors.ts";
import { freshPglite, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { count, DATA, everything, options, SCHEMA, seededPair } from "./sync_fixture.ts";

Deno.test({
  name: "sync loads an FK chain and a self-referencing table whatever the listing order, and masks every PII value",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    // Old target rows must go, and only because their own table is reloaded.
    await dst.db.exec(`INSERT INTO tb_user (email) VALUES ('old@x.test');
      INSERT INTO tb_post (fk_user, title) SELECT pk_user, 'old' FROM tb_user;`);

    const report = await syncDatabases(
      src.db,
      dst.db,
      options({ tables: ["tb_comment", "tb_employee", "tb_post", "tb_user"] }),
    );
    assertEquals(report.order, ["public.tb_user", "public.tb_post", "public.tb_comment", "public.tb_employee"]);
    assertEquals(report.tables.map((t) => [t.name, t.rows]), [
      ["public.tb_user", 61],
      ["public.tb_post", 200],
      ["public.tb_comment", 500],
      ["public.tb_employee", 41],
    ]);
    assertEquals(report.total_rows, 802);
    assertEquals(report.tables[0].anonymized_columns, ["email", "first_name", "last_name", "phone"]);
    for (const t of ["tb_user", "tb_post", "tb_comment", "tb_employee"]) {
      assertEquals(await count(dst.db, t), await count(src.db, t), t);
    }
    // Unmasked columns arrive intact, NULLs stay NULL.
    const [u] = await dst.db.query<{ created_at: string; first_name: string | null }>(
      `SELECT created_at::text, first_name FROM tb_user WHERE pk_user = 5`,
    );
    assertEquals(u.created_at, "2024-01-01 05:00:00+00");
    ok(u.first_name && u.first_name !== "Firstname5");
    assertEquals((await dst.db.query(`SELECT 1 FROM tb_user WHERE pk_user = 61 AND first_name IS NULL`)).length, 1);
    // The same email masks the same way in two tables: the join still matches.
    const [{ n: joined }] = await dst.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user WHERE p.author_email = u.email`,
    );
    assertEquals(Number(joined), 200);
    // Masked values respect the column's length.
    const [{ m }] = await dst.db.query<{ m: number }>(`SELECT max(length(phone))::int AS m FROM tb_user`);
    ok(m <= 20);
    // No source PII value anywhere in the target.
    const target = await everything(dst.db);
    const pii = await src.db.query<{ v: string }>(
      `SELECT unnest(ARRAY[email, first_name, last_name, phone]) AS v FROM tb_user
       UNION SELECT full_name FROM tb_employee`,
    );
    for (const { v } of pii) if (v) ok(!target.includes(v), `source value ${v} leaked into the target`);
    // Identity and serial sequences continue after the loaded maximum.
    const [{ id }] = await dst.db.query<{ id: string }>(
      `INSERT INTO tb_user (email) VALUES ('new@x.test') RETURNING pk_user::text AS id`,
    );
    assertEquals(id, "62");
    const [{ p }] = await dst.db.query<{ p: number }>(
      `INSERT INTO tb_post (fk_user, title) VALUES (1, 'new') RETURNING pk_post AS p`,
    );
    assertEquals(p, 201);
    // Checkpoints record every table.
    assertEquals(await count(dst.db, "confiture_sync_checkpoint"), 4);
  },
});

Deno.test({
  name: "sync from a one-connection pool does not wait for a second session; the row check still holds",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    await using single = await openDatabase(parseDatabaseUrl(src.url, () => undefined, "."), { max: 1 });
    const report = await syncDatabases(single, dst.db, options());
    assertEquals(await count(dst.db, "tb_user"), await count(src.db, "tb_user"));
    ok(report.total_rows > 0);
  },
});

Deno.test({
  name: "sync loads tables that reference each other: deferrable keys, and non-deferrable keys validated after",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsync");
    await using dst = await freshServerDb("cfsync");
    const ddl = `
      CREATE TABLE team (id int PRIMARY KEY, lead_id int);
      CREATE TABLE member (id int PRIMARY KEY, team_id int NOT NULL REFERENCES team DEFERRABLE);
      ALTER TABLE team ADD CONSTRAINT team_lead FOREIGN KEY (lead_id) REFERENCES member DEFERRABLE;
      CREATE TABLE a (id int PRIMARY KEY, b_id int);
      CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
      ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;`;
    await src.db.exec(ddl);
    await src.db.transaction((tx) =>
      tx.exec(`SET CONSTRAINTS ALL DEFERRED;
        INSERT INTO team SELECT i, i * 10 FROM generate_series(1, 5) i;
        INSERT INTO member SELECT i, 1 + i % 5 FROM generate_series(1, 50) i;`)
    );
    await src.db.exec(`
      INSERT INTO a SELECT i, NULL FROM generate_series(1, 20) i;
      INSERT INTO b SELECT i, i FROM generate_series(1, 20) i;
      UPDATE a SET b_id = 21 - id;`);
    await dst.db.exec(ddl);
    const report = await syncDatabases(src.db, dst.db, { rules: new Map() });
    assertEquals(report.order, ["public.a", "public.b", "public.member", "public.team"]);
    for (const t of ["team", "member", "a", "b"]) assertEquals(await count(dst.db, t), await count(src.db, t), t);
    // A non-deferrable cycle loads with triggers off, so a dangling key must still be caught.
    await src.db.exec(`ALTER TABLE a DROP CONSTRAINT a_b_id_fkey; UPDATE a SET b_id = 99 WHERE id = 1;`);
    const err = await syncDatabases(src.db, dst.db, { rules: new Map(), tables: ["a", "b"] }).catch((e) => e);
    ok(err instanceof SchemaError, String(err));
    ok(/1 row of \S+ violates foreign key a_b_id_fkey/.test(err.message), err.message);
  },
});

Deno.test({
  name: "sync copies from a server into PGlite (a laptop without a server)",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsync");
    await src.db.exec(SCHEMA + DATA);
    const dst = await freshPglite();
    try {
      await dst.exec(SCHEMA);
      const report = await syncDatabases(src.db, dst, options());
      assertEquals(report.total_rows, 802);
      for (const t of ["tb_user", "tb_post", "tb_comment", "tb_employee"]) {
        assertEquals(await count(dst, t), await count(src.db, t), t);
      }
      const [{ e }] = await dst.query<{ e: string }>(`SELECT email AS e FROM tb_user WHERE pk_user = 1`);
      ok(/^user_[0-9a-f]{16}@example\.com$/.test(e), e);
      const text = await everything(dst);
      ok(!text.includes("person1@corp.test"));
    } finally {
      await dst.close();
    }
  },
});

Deno.test("sync between two PGlite databases (runs without a server)", async () => {
  const src = await freshPglite();
  const dst = await freshPglite();
  try {
    await src.exec(SCHEMA + DATA);
    await dst.exec(SCHEMA);
    const report = await syncDatabases(src, dst, options({ tables: ["tb_comment", "tb_user", "tb_post"] }));
    assertEquals(report.order, ["public.tb_user", "public.tb_post", "public.tb_comment"]);
    assertEquals(report.tables.map((t) => t.rows), [61, 200, 500]);
    const [{ n: joined }] = await dst.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user WHERE p.author_email = u.email`,
    );
    assertEquals(Number(joined), 200);
    ok(!(await everything(dst)).includes("@corp.test"));
  } finally {
    await src.close();
    await dst.close();
  }
});

Deno.test({
  name: "sync counts source rows beside the COPY on the same snapshot: rows committed meanwhile are not counted",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsync");
    await using dst = await freshServerDb("cfsync");
    await src.db.exec(SCHEMA + DATA + "; ANALYZE");
    await dst.db.exec(SCHEMA);
    // The first row count waits for a row that another session commits into tb_comment: a
    // count on a snapshot of its own would see 501 rows there, the COPY (on the sync's) 500.
    const counted: string[] = [];
    const source = new Proxy(src.db, {
      get(db, prop) {
        if (prop !== "reserve") return Reflect.get(db, prop, db);
        return async () => {
          const session = await db.reserve();
          return new Proxy(session, {
            get(s, p) {
              if (p !== "query") return Reflect.get(s, p, s);
              return async (sql: string, params?: unknown[]) => {
                if (/count\(\*\)/.test(sql) && counted.push(sql) === 1) {
                  await src.db.exec("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'committed meanwhile')");
                }
                return s.query(sql, params);
              };
            },
          });
        };
      },
    });
    const report = await syncDatabases(source, dst.db, options());
    assertEquals(counted.length, 4);
    assertEquals(report.tables.find((t) => t.name === "public.tb_comment")?.rows, 500);
    assertEquals(await count(dst.db, "tb_comment"), 500);
    assertEquals(await count(src.db, "tb_comment"), 501);
  },
});
