/**
 * Production sync on real databases: foreign-key order, self-references, cycles, masking that
 * is deterministic and keyed, no source PII left in the target, mismatches reported before any
 * data moves, and server → PGlite.
 */
import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok, rejects } from "node:assert/strict";
import { syncDatabases, type SyncOptions } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import type { Database } from "../src/db/database.ts";
import { ConfigError, SchemaError } from "../src/errors.ts";
import { freshPglite, freshServerDb, NO_SERVER, type TempServerDb } from "./_helpers/db.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";

const SCHEMA = `
CREATE TABLE tb_user (
  pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  first_name text,
  last_name varchar(30),
  phone varchar(20),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tb_post (
  pk_post serial PRIMARY KEY,
  fk_user bigint NOT NULL REFERENCES tb_user,
  title text NOT NULL,
  author_email text
);
CREATE TABLE tb_comment (
  pk_comment serial PRIMARY KEY,
  fk_post int NOT NULL REFERENCES tb_post,
  fk_user bigint REFERENCES tb_user,
  body text
);
CREATE TABLE tb_employee (id int PRIMARY KEY, manager_id int REFERENCES tb_employee, full_name text);
`;

const DATA = `
INSERT INTO tb_user (email, first_name, last_name, phone, created_at)
  SELECT 'person' || i || '@corp.test', 'Firstname' || i, 'Lastname' || i, '+33 6 12 ' || lpad(i::text, 6, '0'),
         '2024-01-01'::timestamptz + i * interval '1 hour'
  FROM generate_series(1, 60) i;
INSERT INTO tb_user (email, first_name) VALUES (E'tab\\there@corp.test', NULL);
INSERT INTO tb_post (fk_user, title, author_email)
  SELECT 1 + i % 60, 'Post ' || i, 'person' || (1 + i % 60) || '@corp.test' FROM generate_series(1, 200) i;
INSERT INTO tb_comment (fk_post, fk_user, body)
  SELECT 1 + i % 200, CASE WHEN i % 7 = 0 THEN NULL ELSE 1 + i % 60 END, 'Nice post ' || i FROM generate_series(1, 500) i;
-- Managers stored after their reports: the self-reference only holds for the whole table.
INSERT INTO tb_employee VALUES (1, NULL, 'Boss');
INSERT INTO tb_employee SELECT i, i + 1, 'Employee ' || i FROM generate_series(2, 40) i
  UNION ALL SELECT 41, 1, 'Middle';
`;

const PROFILE = parseProfile(
  `
rules:
  tb_user.email: email
  tb_user.first_name: { strategy: name, part: first }
  public.tb_user.last_name: { strategy: name, part: last }
  tb_user.phone: phone
  tb_post.author_email: email
  tb_employee.full_name: name
`,
  "anonymization.yaml",
);

const KEY = new TextEncoder().encode("test-key-0123456789abcdef");

function options(extra: Partial<SyncOptions> = {}): SyncOptions {
  return { rules: PROFILE.rules, key: KEY, ...extra };
}

async function count(db: Database, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(n);
}

async function everything(db: Database): Promise<string> {
  const parts: string[] = [];
  for (const t of ["tb_user", "tb_post", "tb_comment", "tb_employee"]) {
    const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${t} t`);
    parts.push(...rows.map((r) => r.r));
  }
  return parts.join("\n");
}

/** A source database holding SCHEMA and DATA and a target holding `targetDdl`; both go on dispose. */
async function seededPair(targetDdl = SCHEMA): Promise<{ src: TempServerDb; dst: TempServerDb } & AsyncDisposable> {
  const owned = new AsyncDisposableStack();
  try {
    const src = owned.use(await freshServerDb("cfsync"));
    const dst = owned.use(await freshServerDb("cfsync"));
    await src.db.exec(SCHEMA + DATA);
    await dst.db.exec(targetDdl);
    const both = owned.move();
    return { src, dst, [Symbol.asyncDispose]: () => both.disposeAsync() };
  } catch (e) {
    await owned.disposeAsync();
    throw e;
  }
}

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
  name: "sync masking is deterministic for one key and differs for another",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    const emails = async () =>
      (await dst.db.query<{ email: string }>(`SELECT email FROM tb_user ORDER BY pk_user`)).map((r) => r.email);
    await syncDatabases(src.db, dst.db, options());
    const first = await emails();
    await syncDatabases(src.db, dst.db, options());
    assertEquals(await emails(), first);
    await syncDatabases(src.db, dst.db, options({ key: new TextEncoder().encode("another-key-0123456789") }));
    const other = await emails();
    notDeepStrictEqual(other, first);
    assertEquals(new Set(other).size, other.length);
    ok(other.every((e, i) => e !== first[i]));
  },
});

Deno.test({
  name: "sync reports every table and column mismatch before any data moves",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair(
      SCHEMA + `
      DROP TABLE tb_employee;
      ALTER TABLE tb_user DROP COLUMN phone;
      ALTER TABLE tb_post ALTER COLUMN title TYPE varchar(50);
      ALTER TABLE tb_comment ADD COLUMN score int NOT NULL;
      INSERT INTO tb_user (email) VALUES ('keep@x.test');`,
    );
    const { src, dst } = pair;
    const err = await syncDatabases(src.db, dst.db, options()).catch((e) => e);
    ok(err instanceof SchemaError, String(err));
    assertEquals(err.exitCode, 4);
    const mismatches = (err.details as { mismatches: string[] }).mismatches;
    assertEquals(mismatches.sort(), [
      "public.tb_comment.score: NOT NULL without a default in the target, absent from the source",
      "public.tb_employee: table missing in the target",
      "public.tb_post.title: text in the source, character varying(50) in the target",
      "public.tb_user.phone: column missing in the target",
    ]);
    assertEquals(await count(dst.db, "tb_user"), 1);
  },
});

Deno.test({
  name: "sync refuses PII-looking columns without a rule, and rules that cannot apply",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await seededPair();
    const { src, dst } = pair;
    const unmasked = await syncDatabases(src.db, dst.db, { rules: new Map(), key: KEY }).catch((e) => e);
    ok(unmasked instanceof ConfigError);
    assertEquals(unmasked.code, "SYNC_UNMASKED_PII");
    ok(unmasked.message.includes("public.tb_user.email (text) looks like email"), unmasked.message);
    assertEquals(await count(dst.db, "tb_user"), 0);

    const bad = parseProfile(
      `rules:\n  tb_user.email: redact\n  tb_user.created_at: email\n  tb_user.nope: hash\n`,
      "p.yaml",
    );
    const err = await syncDatabases(src.db, dst.db, { rules: bad.rules, key: KEY, allowUnmasked: true }).catch((e) =>
      e
    );
    ok(err instanceof ConfigError);
    assertEquals(err.problems.length, 3, err.message);

    await rejects(syncDatabases(src.db, dst.db, options({ key: undefined })), /anonymization key/);

    // With --allow-unmasked the copy happens and says what it left unmasked.
    const report = await syncDatabases(src.db, dst.db, { rules: new Map(), allowUnmasked: true });
    ok(report.warnings.some((w) => w.includes("public.tb_user.email looks like email")));
    assertEquals(await count(dst.db, "tb_user"), 61);
    // A table referenced from outside the selection cannot be cleared without a cascade: refused.
    const partial = await syncDatabases(src.db, dst.db, { rules: new Map(), allowUnmasked: true, tables: ["tb_user"] })
      .catch((e) => e);
    ok(partial instanceof SchemaError);
    ok(partial.message.includes("public.tb_post references public.tb_user"), partial.message);
    assertEquals(await count(dst.db, "tb_post"), 200);
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

Deno.test({
  name: "sync masks the same on worker threads as on the main thread",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cfsync");
    await using dst = await freshServerDb("cfsync");
    await src.db.exec(
      SCHEMA + `
      INSERT INTO tb_user (email, first_name, last_name, phone)
        SELECT 'w' || i || '@corp.test', 'F' || i, 'L' || i, '555' || i FROM generate_series(1, 30000) i;`,
    );
    await dst.db.exec(SCHEMA);
    const snapshot = async () =>
      (await dst.db.query<{ r: string }>(`SELECT string_agg(t::text, '|' ORDER BY pk_user) AS r FROM tb_user t`))[0].r;
    const main = await syncDatabases(src.db, dst.db, options({ workers: 0 }));
    const onMain = await snapshot();
    const onWorkers = await syncDatabases(src.db, dst.db, options({ workers: 2 }));
    assertEquals(await snapshot(), onMain);
    assertEquals(onWorkers.total_rows, main.total_rows);
    ok(!onMain.includes("w1@corp.test"));
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
