/**
 * Lint with a database connection: severity follows live table size, and column types,
 * validated checks and function volatility come from the catalog. Runs on PGlite and the server.
 */
import { assertEquals } from "./_helpers/assert.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { LOCK_CLASSID, lockObjectId } from "../src/migrate/lock.ts";
import { lintMigrations } from "../src/lint/lint_migrations.ts";
import type { Queryable } from "../src/db/database.ts";

const SETUP = `
CREATE TABLE big (id int, email varchar(10), name text, n int);
INSERT INTO big SELECT g, 'e' || g, 'n', g FROM generate_series(1, 500) g;
CREATE TABLE tiny (id int);
INSERT INTO tiny VALUES (1), (2), (3);
CREATE TABLE never_analyzed (id int);
CREATE TABLE chk (email text);
ALTER TABLE chk ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL);
ANALYZE big; ANALYZE tiny; ANALYZE chk;
CREATE FUNCTION stable_fn() RETURNS int LANGUAGE sql STABLE AS 'select 1';
CREATE FUNCTION vol_fn() RETURNS int LANGUAGE sql VOLATILE AS 'select 1';
`;

const UP = `CREATE INDEX i1 ON big (email);
CREATE INDEX i2 ON tiny (id);
CREATE INDEX i3 ON never_analyzed (id);
ALTER TABLE big ALTER COLUMN email TYPE varchar(20);
ALTER TABLE big ALTER COLUMN n TYPE bigint;
ALTER TABLE chk ALTER COLUMN email SET NOT NULL;
ALTER TABLE big ALTER COLUMN name SET NOT NULL;
ALTER TABLE big ADD COLUMN a int DEFAULT stable_fn();
ALTER TABLE big ADD COLUMN b int DEFAULT vol_fn();
CREATE INDEX i4 ON not_in_database (x);
`;

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] lint with a connection weighs findings by live rows and reads types from the catalog`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec(SETUP);
      const result = await lintMigrations(
        [{ version: "007", name: "x", upFile: "007_x.up.sql", upSql: UP, downFile: "007_x.down.sql", downSql: "" }],
        { db: t.db, settings: { smallTableRows: 100 } },
      );
      const got = result.findings
        .filter((f) => f.rule !== "down-incomplete")
        .map((f) => `${f.line} ${f.rule} ${f.severity} ${f.rows}`);
      assertEquals(got, [
        "1 create-index-non-concurrent error 500",
        "2 create-index-non-concurrent warning 3",
        // Never analyzed but empty on disk: 0 rows.
        "3 create-index-non-concurrent warning 0",
        // varchar(10) → varchar(20) is binary-coercible: no finding on line 4.
        "5 alter-column-type-rewrite error 500",
        // Line 6 is covered by the validated CHECK (email IS NOT NULL).
        "7 set-not-null-scan error 500",
        // stable_fn() is STABLE in pg_proc: no rewrite on line 8.
        "9 add-column-volatile-default error 500",
        // A table the database does not have: nothing live uses it, never blocking.
        "10 create-index-non-concurrent warning null",
      ]);
      const typeChange = result.findings.find((f) => f.rule === "alter-column-type-rewrite")!;
      assertEquals(typeChange.message, "ALTER COLUMN n TYPE int4 → int8 rewrites big (~500 rows)");
    },
  });
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] tables created earlier in the batch are not looked up in the catalog`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec(SETUP);
      const asked: unknown[] = [];
      const db: Queryable = {
        query: (sql, params) => {
          asked.push(...(params?.[0] as unknown[] ?? []));
          return t.db.query(sql, params);
        },
        exec: (sql) => t.db.exec(sql),
      };
      const result = await lintMigrations([
        { version: "001", name: "a", upFile: "001_a.up.sql", upSql: "CREATE TABLE fresh (id int);\n" },
        {
          version: "002",
          name: "b",
          upFile: "002_b.up.sql",
          upSql: "CREATE INDEX f1 ON fresh (id);\nCREATE INDEX b1 ON big (id);\n",
        },
      ], { db, settings: { smallTableRows: 100 } });
      assertEquals(asked, ["big"]);
      assertEquals(
        result.findings.filter((f) => f.rule === "create-index-non-concurrent").map((f) => `${f.line} ${f.rows}`),
        ["2 500"],
      );
    },
  });
}

Deno.test({
  name: "[server] releases-migration-lock fires exactly for the statements that release a held advisory lock",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb();
    // One connection: every query below runs on the session that holds the lock, as migrate up does.
    const db = await openDatabase(parseDatabaseUrl(t.url, () => undefined), { max: 1 });
    try {
      const objid = lockObjectId(t.name);
      const statements = [
        "DISCARD ALL",
        "SELECT pg_advisory_unlock_all()",
        `SELECT pg_advisory_unlock(${LOCK_CLASSID}, ${objid})`,
        `SELECT count(*) FROM (SELECT pg_advisory_unlock(${LOCK_CLASSID}, ${objid}) AS u) s`,
        "DO $$ BEGIN PERFORM pg_advisory_unlock_all(); END $$",
        "RESET ALL",
        "DISCARD PLANS",
        "DISCARD TEMP",
        "DISCARD SEQUENCES",
        "SET SESSION AUTHORIZATION DEFAULT",
        "RESET SESSION AUTHORIZATION",
        "SET ROLE NONE",
        "SELECT pg_advisory_unlock(42, 1)",
        "DO $$ BEGIN PERFORM 1; END $$",
      ];
      for (const sql of statements) {
        await db.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASSID, objid]);
        await db.exec(sql).catch(() => {});
        const [{ held }] = await db.query<{ held: number }>(
          "SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        );
        await db.query("SELECT pg_advisory_unlock_all()");
        const r = await lintMigrations([{ version: "001", name: "x", upFile: "001_x.up.sql", upSql: `${sql};` }], {
          reversibility: false,
        });
        const fired = r.findings.some((f) => f.rule === "releases-migration-lock" && f.severity === "error");
        assertEquals(fired, held === 0, `${sql}: lock ${held === 0 ? "released" : "kept"}, lint ${fired}`);
      }
    } finally {
      await db.close();
    }
  },
});

// Harbor's chain (goharbor/harbor) adds a column in one migration and drops it
// `IF EXISTS` in a later one; on its first `up` that drop was blocked as breaking code.
const DROPS = [
  "CREATE TABLE fresh (id int);\nALTER TABLE live ADD COLUMN added_here int;",
  [
    "ALTER TABLE fresh DROP COLUMN IF EXISTS id;",
    "ALTER TABLE live DROP COLUMN IF EXISTS added_here;",
    "ALTER TABLE live DROP COLUMN IF EXISTS never_was;",
    "DROP TABLE IF EXISTS not_there;",
    "DROP TABLE IF EXISTS fresh;",
    "ALTER TABLE live DROP COLUMN used;",
    "DROP TABLE live;",
  ].join("\n"),
];

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] drop-breaks-code fires only for tables and columns that exist outside the batch`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec("CREATE TABLE live (id int, used text); INSERT INTO live VALUES (1, 'x');");
      const files = DROPS.map((upSql, i) => ({
        version: `00${i + 1}`,
        name: "x",
        upFile: `00${i + 1}_x.up.sql`,
        upSql,
        downFile: `00${i + 1}_x.down.sql`,
        downSql: "",
      }));
      const online = await lintMigrations(files, { db: t.db });
      const lines = (r: typeof online) =>
        r.findings.filter((f) => f.rule === "drop-breaks-code").map((f) => `${f.version}:${f.line}`);
      assertEquals(lines(online), ["002:6", "002:7"]);
      // Offline, only what the batch itself created is known to be new.
      const offline = await lintMigrations(files, {});
      assertEquals(lines(offline), ["002:3", "002:4", "002:6", "002:7"]);
    },
  });
}
