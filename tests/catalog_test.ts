/**
 * Catalog snapshots on real databases: the same DDL must read the same on PostgreSQL 15 and
 * PGlite 18, and the objects Confiture owns must stay out of the picture.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { snapshotCatalog } from "../src/catalog/snapshot.ts";
import { diffCatalogs, formatCatalogDiff } from "../src/catalog/diff.ts";
import { BACKENDS, freshPglite, freshServerDb, NO_SERVER } from "./_helpers/db.ts";

const DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE SCHEMA app;
CREATE SEQUENCE app.counter START 10 INCREMENT 5;
CREATE TABLE tb_user (
  pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  email text NOT NULL CHECK (email LIKE '%@%'),
  name varchar(100) COLLATE "C",
  score numeric(10,2) DEFAULT 0,
  mood mood DEFAULT 'ok',
  age positive_int,
  doubled integer GENERATED ALWAYS AS (coalesce(age, 0) * 2) STORED,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tb_post (
  pk_post serial PRIMARY KEY,
  fk_user bigint NOT NULL REFERENCES tb_user(pk_user) ON DELETE CASCADE,
  title text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_post_user ON tb_post (fk_user);
CREATE UNIQUE INDEX idx_post_title_lower ON tb_post (lower(title)) WHERE title <> '';
CREATE VIEW v_user AS
  SELECT u.id, jsonb_build_object('email', u.email, 'posts', count(p.pk_post)) AS data
    FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user
   GROUP BY u.id, u.email;
CREATE MATERIALIZED VIEW app.mv_counts AS SELECT count(*) AS n FROM tb_user;
CREATE INDEX idx_mv_counts ON app.mv_counts (n);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := now();
  RETURN NEW;
END $$;
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT RETURN x + 1;
CREATE TRIGGER trg_touch BEFORE INSERT ON tb_user FOR EACH ROW EXECUTE FUNCTION app.touch();
COMMENT ON TABLE tb_user IS 'people';
COMMENT ON COLUMN tb_user.email IS 'login';
ALTER TABLE tb_post ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON tb_post FOR SELECT USING (fk_user > 0);
CREATE POLICY writable ON tb_post AS RESTRICTIVE FOR UPDATE TO PUBLIC USING (true) WITH CHECK (title <> '');
-- Confiture's own tables must not appear.
CREATE TABLE tb_confiture (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, slug text);
CREATE TABLE confiture_lock_holder (pid int);
CREATE SCHEMA confiture;
CREATE TABLE confiture.saved_views (name text);
GRANT SELECT ON v_user TO PUBLIC;
REVOKE EXECUTE ON FUNCTION add_one(integer) FROM PUBLIC;
GRANT UPDATE (email) ON tb_user TO PUBLIC;
`;

for (const backend of BACKENDS) {
  Deno.test({
    name: `snapshotCatalog reads tables, columns, constraints, indexes, views, functions (${backend.name})`,
    ignore: backend.ignore,
    async fn() {
      await using t = await backend.fresh();
      await t.db.exec(DDL);
      const snap = await snapshotCatalog(t.db);
      assertEquals(snap.schemas, ["app", "public"]);
      assertEquals(Object.keys(snap.tables), ["public.tb_post", "public.tb_user"]);
      const user = snap.tables["public.tb_user"];
      assertEquals(user.columns.pk_user, {
        position: 1,
        type: "bigint",
        nullable: false,
        default: null,
        identity: "always",
        identityOptions: "START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1",
        generated: null,
        collation: null,
        comment: null,
      });
      assertEquals([user.comment, user.columns.email.comment], ["people", "login"]);
      assertEquals(user.columns.name.type, "character varying(100)");
      assertEquals(user.columns.name.collation, "C");
      assertEquals(user.columns.created_at.default, "now()");
      // Read with an empty search_path, as pg_dump does: names outside pg_catalog are qualified.
      assertEquals(user.columns.mood.default, "'ok'::public.mood");
      assertEquals(user.columns.doubled.generated, { kind: "stored", expression: "(COALESCE((age)::integer, 0) * 2)" });
      assertEquals(user.constraints.tb_user_pkey, { type: "primary key", definition: "PRIMARY KEY (pk_user)" });
      assertEquals(user.constraints.tb_user_email_check.type, "check");
      assertEquals(Object.keys(user.triggers), ["trg_touch"]);
      const post = snap.tables["public.tb_post"];
      assertEquals(
        post.constraints.tb_post_fk_user_fkey.definition,
        "FOREIGN KEY (fk_user) REFERENCES public.tb_user(pk_user) ON DELETE CASCADE",
      );
      assertEquals(Object.keys(post.indexes), ["idx_post_title_lower", "idx_post_user"]);
      assertEquals(post.rowSecurity, true);
      assertEquals(post.policies, {
        readable: { command: "select", permissive: true, roles: ["public"], using: "(fk_user > 0)", check: null },
        writable: {
          command: "update",
          permissive: false,
          roles: ["public"],
          using: "true",
          check: "(title <> ''::text)",
        },
      });
      assertEquals(
        post.indexes.idx_post_user.definition,
        "CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)",
      );
      ok(snap.views["public.v_user"]);
      assertEquals(snap.views["app.mv_counts"].kind, "materialized view");
      assertEquals(Object.keys(snap.views["app.mv_counts"].indexes), ["idx_mv_counts"]);
      assertEquals(snap.functions["public.add_one(x integer)"].body, "RETURN (x + 1)");
      assertEquals(snap.functions["app.touch()"].language, "plpgsql");
      // Serial sequences are listed with their owner; identity sequences are not.
      assertEquals(Object.keys(snap.sequences), ["app.counter", "public.tb_post_pk_post_seq"]);
      assertEquals(snap.sequences["public.tb_post_pk_post_seq"].ownedBy, "public.tb_post.pk_post");
      assertEquals(snap.sequences["app.counter"].increment, "5");
      assertEquals(snap.enums["public.mood"], ["sad", "ok", "happy"]);
      assertEquals(snap.domains["public.positive_int"].checks, ["CHECK (VALUE > 0)"]);
      // Grants and revokes someone wrote; the owner's own privileges and the defaults are not listed.
      assertEquals(snap.privileges, {
        "column public.tb_user.email": ["UPDATE TO PUBLIC"],
        "function public.add_one(x integer)": [],
        "schema public": ["USAGE TO PUBLIC"],
        "view public.v_user": ["SELECT TO PUBLIC"],
      });
      // The snapshot is plain JSON.
      assertEquals(JSON.parse(JSON.stringify(snap)), snap);
    },
  });
}

// Constructs whose deparsed form changed between PostgreSQL 15 and 18, or could have.
const MORE_DDL = `
CREATE TABLE t (id int PRIMARY KEY, status text CHECK (status IN ('a','b')), n numeric DEFAULT 1.50,
  d date DEFAULT current_date, ts timestamp DEFAULT (now() AT TIME ZONE 'utc'), iv interval DEFAULT '1 day',
  j jsonb DEFAULT '{}'::jsonb, arr int[] DEFAULT ARRAY[1,2], b boolean DEFAULT false, c char(3), bits bit(4),
  r int4range, e text COLLATE "C" DEFAULT 'x' || 'y');
CREATE TABLE u (id int REFERENCES t ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED, k text, UNIQUE NULLS NOT DISTINCT (k));
CREATE INDEX t_gin ON t USING gin (j jsonb_path_ops);
CREATE INDEX t_incl ON t (status) INCLUDE (n) WHERE status IS NOT NULL;
CREATE VIEW v1 AS SELECT t.id, CASE WHEN t.status = 'a' THEN 'A' ELSE upper(t.status) END AS s,
   (SELECT count(*) FROM u WHERE u.id = t.id) AS cnt, t.n::int AS ni, coalesce(t.j->>'x', 'none') AS jx,
   row_number() OVER (PARTITION BY t.status ORDER BY t.id DESC) AS rn
  FROM t LEFT JOIN u USING (id) WHERE t.id > 0 AND t.status = ANY (ARRAY['a','b']) ORDER BY t.id LIMIT 10;
CREATE VIEW v2 AS SELECT id FROM t UNION ALL SELECT id FROM u;
CREATE VIEW v3 AS SELECT id, status FROM t WHERE id > 0 WITH CASCADED CHECK OPTION;
CREATE FUNCTION f(a int, b text DEFAULT 'x', VARIADIC rest int[] DEFAULT '{}') RETURNS TABLE(x int, y text)
  LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT a, b';
CREATE PROCEDURE p(INOUT a int) LANGUAGE plpgsql AS $$ BEGIN a := a + 1; END $$;
CREATE FUNCTION g(int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT $1 * 2; END;
CREATE TABLE parted (id int, created date) PARTITION BY RANGE (created);
CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX parted_id ON parted (id);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
`;

Deno.test({
  name: "the same DDL reads identically on PostgreSQL 15 and PGlite 18",
  ignore: NO_SERVER,
  async fn() {
    await using server = await freshServerDb();
    await using lite = await freshPglite();
    await server.db.exec(DDL + MORE_DDL);
    await lite.exec(DDL + MORE_DDL);
    const fromServer = await snapshotCatalog(server.db);
    const diffs = diffCatalogs(fromServer, await snapshotCatalog(lite));
    assertEquals(diffs, [], formatCatalogDiff(diffs, { expected: "server", actual: "pglite" }));
    assertEquals(fromServer.tables["public.parted"].partitionKey, "RANGE (created)");
    assertEquals(fromServer.tables["public.parted_2024"].partitionOf, {
      parent: "public.parted",
      bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    });
  },
});

Deno.test("snapshot options: schemas filter and excluded tables", async () => {
  await using db = await freshPglite();
  await db.exec(DDL);
  const snap = await snapshotCatalog(db, { schemas: ["public"], excludeTables: ["tb_post"] });
  assertEquals(snap.schemas, ["public"]);
  assertEquals(Object.keys(snap.tables), ["public.tb_user"]);
  assertEquals(Object.keys(snap.sequences), []);
  assertEquals(Object.keys(snap.views), ["public.v_user"]);
});

Deno.test("a table built by ALTERs equals the same table declared at once (column order aside)", async () => {
  await using a = await freshPglite();
  await using b = await freshPglite();
  await a.exec(`CREATE TABLE t (id int PRIMARY KEY, email text NOT NULL, n int DEFAULT 1);
                CREATE INDEX t_email ON t (email);`);
  await b.exec(`CREATE TABLE t (id int);
                ALTER TABLE t ADD COLUMN n int DEFAULT 1;
                ALTER TABLE t ADD COLUMN email text;
                ALTER TABLE t ALTER COLUMN email SET NOT NULL;
                ALTER TABLE t ADD PRIMARY KEY (id);
                CREATE INDEX t_email ON t (email);`);
  const [sa, sb] = [await snapshotCatalog(a), await snapshotCatalog(b)];
  assertEquals(diffCatalogs(sa, sb), []);
  await b.exec("ALTER TABLE t ADD COLUMN k int GENERATED BY DEFAULT AS IDENTITY (START WITH 100)");
  await a.exec("ALTER TABLE t ADD COLUMN k int GENERATED BY DEFAULT AS IDENTITY");
  const identity = diffCatalogs(await snapshotCatalog(a), await snapshotCatalog(b));
  assertEquals(identity.map((d) => `${d.object} ${d.detail}`), ["public.t.k identityOptions"]);
  const ordered = diffCatalogs(sa, sb, { columnOrder: true });
  assertEquals(ordered.map((d) => `${d.object} ${d.detail}`), ["public.t.email position", "public.t.n position"]);
});
