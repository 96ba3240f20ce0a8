/**
 * Table-driven tests of the planner for what hangs off a column that is dropped, retyped or
 * rebuilt: indexes (expression, partial), CHECK / UNIQUE / FOREIGN KEY constraints, policies,
 * triggers, generated columns and views over views, in the up and in the down. The column facts
 * are what `pg_depend` says on PostgreSQL 15 for the same DDL. Enums rebuilt under such objects
 * are in `plan_objects_test.ts`.
 */
import { type Case, col, POLICY, runCases, table, TRIGGER, uses, view } from "./_plan_test_helpers.ts";
import type { PlanInput } from "./types.ts";

const T = "public.tb_user";
const OWN = { ...POLICY, using: "((name)::text = CURRENT_USER)" };

/** tb_user.name is varchar(100), with a policy, two triggers, an expression and a partial index and a CHECK. */
function hung(type: string) {
  return (i: PlanInput) => {
    const t = i.catalog.tables[T];
    t.columns.name = col(type, {}, 2);
    t.policies.own = OWN;
    t.triggers.trg_name = TRIGGER("trg_name", "OF name");
    t.triggers.trg_when = {
      definition: "CREATE TRIGGER trg_when BEFORE UPDATE ON public.tb_user FOR EACH ROW " +
        "WHEN (new.name::text IS DISTINCT FROM old.name::text) EXECUTE FUNCTION f()",
      enabled: "disabled",
    };
    t.indexes.idx_lower = { definition: "CREATE INDEX idx_lower ON public.tb_user USING btree (lower((name)::text))" };
    t.indexes.idx_named = {
      definition: "CREATE INDEX idx_named ON public.tb_user USING btree (pk_user) WHERE (name IS NOT NULL)",
    };
    t.constraints.ck_name = { type: "check", definition: "CHECK (length((name)::text) > 0)" };
    uses(i, "policy", "tb_user.own", ["tb_user.name"]);
    uses(i, "trigger", "tb_user.trg_name", ["tb_user.name"]);
    uses(i, "trigger", "tb_user.trg_when", ["tb_user.name"]);
    uses(i, "index", "tb_user.idx_lower", ["tb_user.name"]);
    uses(i, "index", "tb_user.idx_named", ["tb_user.name", "tb_user.pk_user"]);
    uses(i, "constraint", "tb_user.ck_name", ["tb_user.name"]);
  };
}

const CREATE_OWN =
  "CREATE POLICY own ON public.tb_user AS PERMISSIVE FOR ALL TO PUBLIC USING (((name)::text = CURRENT_USER))";

const CASES: Case[] = [
  {
    name: "retyped column: policies and triggers go around ALTER TYPE; indexes and CHECKs are left to PostgreSQL",
    current: hung("character varying(100)"),
    desired: hung("character varying(200)"),
    up: {
      main: [
        "DROP TRIGGER trg_name ON public.tb_user",
        "DROP TRIGGER trg_when ON public.tb_user",
        "DROP POLICY own ON public.tb_user",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(200)",
        TRIGGER("trg_name", "OF name").definition,
        "CREATE TRIGGER trg_when BEFORE UPDATE ON public.tb_user FOR EACH ROW " +
        "WHEN (new.name::text IS DISTINCT FROM old.name::text) EXECUTE FUNCTION f()",
        "ALTER TABLE public.tb_user DISABLE TRIGGER trg_when",
        CREATE_OWN,
      ],
    },
    down: {
      main: [
        "DROP POLICY own ON public.tb_user",
        "DROP TRIGGER trg_when ON public.tb_user",
        "DROP TRIGGER trg_name ON public.tb_user",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(100) USING name::character varying(100)",
        CREATE_OWN,
        "CREATE TRIGGER trg_when BEFORE UPDATE ON public.tb_user FOR EACH ROW " +
        "WHEN (new.name::text IS DISTINCT FROM old.name::text) EXECUTE FUNCTION f()",
        "ALTER TABLE public.tb_user DISABLE TRIGGER trg_when",
        TRIGGER("trg_name", "OF name").definition,
      ],
    },
  },
  {
    name: "dropped column: its policy, triggers, indexes and CHECK go first; the down brings them back after it",
    current: hung("text"),
    desired: (i) => delete i.catalog.tables[T].columns.name,
    allow: ["data-loss"],
    hazards: ["data-loss public.tb_user.name (allowed)"],
    up: {
      main: [
        "DROP TRIGGER trg_name ON public.tb_user",
        "DROP TRIGGER trg_when ON public.tb_user",
        "DROP POLICY own ON public.tb_user",
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck_name",
        "DROP INDEX public.idx_lower",
        "DROP INDEX public.idx_named",
        "ALTER TABLE public.tb_user DROP COLUMN name",
      ],
    },
    down: {
      main: [
        "ALTER TABLE public.tb_user ADD COLUMN name text",
        "CREATE INDEX idx_named ON public.tb_user USING btree (pk_user) WHERE (name IS NOT NULL)",
        "CREATE INDEX idx_lower ON public.tb_user USING btree (lower((name)::text))",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck_name CHECK (length((name)::text) > 0)",
        CREATE_OWN,
        "CREATE TRIGGER trg_when BEFORE UPDATE ON public.tb_user FOR EACH ROW " +
        "WHEN (new.name::text IS DISTINCT FROM old.name::text) EXECUTE FUNCTION f()",
        "ALTER TABLE public.tb_user DISABLE TRIGGER trg_when",
        TRIGGER("trg_name", "OF name").definition,
      ],
    },
  },
  {
    name: "rebuilt generated column: its index, CHECK, UNIQUE and policy come back after it, both ways",
    current: (i) => {
      const t = i.catalog.tables[T];
      t.columns.up = col("text", { generated: { kind: "stored", expression: "upper(name)" } }, 3);
      t.indexes.idx_up = { definition: "CREATE INDEX idx_up ON public.tb_user USING btree (up)" };
      t.constraints.ck_up = { type: "check", definition: "CHECK (up <> '')" };
      t.constraints.uq_up = { type: "unique", definition: "UNIQUE (up)" };
      t.policies.own = { ...POLICY, using: "(up = CURRENT_USER)" };
      uses(i, "index", "tb_user.idx_up", ["tb_user.up"]);
      uses(i, "constraint", "tb_user.ck_up", ["tb_user.up"]);
      uses(i, "constraint", "tb_user.uq_up", ["tb_user.up"]);
      uses(i, "policy", "tb_user.own", ["tb_user.up"]);
    },
    desired: (i) => {
      const t = i.catalog.tables[T];
      t.columns.up = col("text", { generated: { kind: "stored", expression: "lower(name)" } }, 3);
      t.indexes.idx_up = { definition: "CREATE INDEX idx_up ON public.tb_user USING btree (up)" };
      t.constraints.ck_up = { type: "check", definition: "CHECK (up <> '')" };
      t.constraints.uq_up = { type: "unique", definition: "UNIQUE (up)" };
      t.policies.own = { ...POLICY, using: "(up = CURRENT_USER)" };
    },
    allow: ["rewrite"],
    hazards: ["rewrite public.tb_user.up (allowed)"],
    up: {
      main: [
        "DROP POLICY own ON public.tb_user",
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck_up",
        "ALTER TABLE public.tb_user DROP CONSTRAINT uq_up",
        "DROP INDEX public.idx_up",
        "ALTER TABLE public.tb_user DROP COLUMN up",
        "ALTER TABLE public.tb_user ADD COLUMN up text GENERATED ALWAYS AS (lower(name)) STORED",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck_up CHECK (up <> '') NOT VALID",
        "CREATE POLICY own ON public.tb_user AS PERMISSIVE FOR ALL TO PUBLIC USING ((up = CURRENT_USER))",
      ],
      concurrently: [
        "CREATE UNIQUE INDEX CONCURRENTLY uq_up ON public.tb_user (up)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT uq_up UNIQUE USING INDEX uq_up",
        "CREATE INDEX CONCURRENTLY idx_up ON public.tb_user USING btree (up)",
      ],
      validate: ["ALTER TABLE public.tb_user VALIDATE CONSTRAINT ck_up"],
    },
    down: {
      main: [
        "DROP POLICY own ON public.tb_user",
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck_up",
        "ALTER TABLE public.tb_user DROP COLUMN up",
        "ALTER TABLE public.tb_user ADD COLUMN up text GENERATED ALWAYS AS (upper(name)) STORED",
        "CREATE INDEX idx_up ON public.tb_user USING btree (up)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT uq_up UNIQUE (up)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck_up CHECK (up <> '')",
        "CREATE POLICY own ON public.tb_user AS PERMISSIVE FOR ALL TO PUBLIC USING ((up = CURRENT_USER))",
      ],
    },
  },
  {
    name: "a generated column reading a retyped column is dropped before ALTER TYPE and added after, with its index",
    current: (i) => {
      const t = i.catalog.tables[T];
      t.columns.name.type = "character varying(10)";
      t.columns.up = col("text", { generated: { kind: "stored", expression: "upper((name)::text)" } }, 3);
      t.indexes.idx_up = { definition: "CREATE INDEX idx_up ON public.tb_user USING btree (up)" };
      uses(i, "generated", "tb_user.up", ["tb_user.name"]);
      uses(i, "index", "tb_user.idx_up", ["tb_user.up"]);
    },
    desired: (i) => {
      const t = i.catalog.tables[T];
      t.columns.name.type = "character varying(20)";
      t.columns.up = col("text", { generated: { kind: "stored", expression: "upper((name)::text)" } }, 3);
      t.indexes.idx_up = { definition: "CREATE INDEX idx_up ON public.tb_user USING btree (up)" };
    },
    allow: ["rewrite"],
    hazards: ["rewrite public.tb_user.up (allowed)"],
    up: {
      main: [
        "DROP INDEX public.idx_up",
        "ALTER TABLE public.tb_user DROP COLUMN up",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(20)",
        "ALTER TABLE public.tb_user ADD COLUMN up text GENERATED ALWAYS AS (upper((name)::text)) STORED",
      ],
      concurrently: ["CREATE INDEX CONCURRENTLY idx_up ON public.tb_user USING btree (up)"],
    },
    down: {
      main: [
        "ALTER TABLE public.tb_user DROP COLUMN up",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(10) USING name::character varying(10)",
        "ALTER TABLE public.tb_user ADD COLUMN up text GENERATED ALWAYS AS (upper((name)::text)) STORED",
        "CREATE INDEX idx_up ON public.tb_user USING btree (up)",
      ],
    },
  },
  {
    name: "foreign key whose both sides go integer → text is dropped first and added back NOT VALID after",
    current: (i) => {
      i.catalog.tables[T].columns.code = col("integer", {}, 3);
      i.catalog.tables[T].constraints.uq_code = { type: "unique", definition: "UNIQUE (code)" };
      i.catalog.tables["public.tb_post"] = table({ code: col("integer") }, {
        constraints: { fk_code: { type: "foreign key", definition: "FOREIGN KEY (code) REFERENCES tb_user(code)" } },
      });
      uses(i, "constraint", "tb_user.uq_code", ["tb_user.code"]);
      uses(i, "constraint", "tb_post.fk_code", ["tb_post.code", "tb_user.code"]);
    },
    desired: (i) => {
      i.catalog.tables[T].columns.code = col("text", {}, 3);
      i.catalog.tables[T].constraints.uq_code = { type: "unique", definition: "UNIQUE (code)" };
      i.catalog.tables["public.tb_post"] = table({ code: col("text") }, {
        constraints: { fk_code: { type: "foreign key", definition: "FOREIGN KEY (code) REFERENCES tb_user(code)" } },
      });
    },
    allow: ["rewrite"],
    hazards: ["rewrite public.tb_post.code (allowed)", "rewrite public.tb_user.code (allowed)"],
    up: {
      main: [
        "ALTER TABLE public.tb_post DROP CONSTRAINT fk_code",
        "ALTER TABLE public.tb_post ALTER COLUMN code TYPE text USING code::text",
        "ALTER TABLE public.tb_user ALTER COLUMN code TYPE text USING code::text",
        "ALTER TABLE public.tb_post ADD CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES tb_user(code) NOT VALID",
      ],
      validate: ["ALTER TABLE public.tb_post VALIDATE CONSTRAINT fk_code"],
    },
  },
  {
    name: "foreign key whose both sides go integer → bigint is rebuilt by PostgreSQL: no drop",
    current: (i) => {
      i.catalog.tables[T].columns.code = col("integer", {}, 3);
      i.catalog.tables["public.tb_post"] = table({ code: col("integer") }, {
        constraints: { fk_code: { type: "foreign key", definition: "FOREIGN KEY (code) REFERENCES tb_user(code)" } },
      });
      uses(i, "constraint", "tb_post.fk_code", ["tb_post.code", "tb_user.code"]);
    },
    desired: (i) => {
      i.catalog.tables[T].columns.code = col("bigint", {}, 3);
      i.catalog.tables["public.tb_post"] = table({ code: col("bigint") }, {
        constraints: { fk_code: { type: "foreign key", definition: "FOREIGN KEY (code) REFERENCES tb_user(code)" } },
      });
    },
    allow: ["rewrite"],
    hazards: ["rewrite public.tb_post.code (allowed)", "rewrite public.tb_user.code (allowed)"],
    up: {
      main: [
        "ALTER TABLE public.tb_post ALTER COLUMN code TYPE bigint USING code::bigint",
        "ALTER TABLE public.tb_user ALTER COLUMN code TYPE bigint USING code::bigint",
      ],
    },
  },
  {
    name: "a policy on another table reading the retyped column goes around it too",
    current: (i) => {
      i.catalog.tables["public.tb_post"] = table({ author: col("text") }, {
        rowSecurity: true,
        policies: { mine: { ...POLICY, using: "(author IN (SELECT tb_user.name FROM tb_user))" } },
      });
      i.catalog.tables[T].columns.name.type = "character varying(10)";
      uses(i, "policy", "tb_post.mine", ["tb_post.author", "tb_user.name"]);
    },
    desired: (i) => {
      i.catalog.tables["public.tb_post"] = table({ author: col("text") }, {
        rowSecurity: true,
        policies: { mine: { ...POLICY, using: "(author IN (SELECT tb_user.name FROM tb_user))" } },
      });
      i.catalog.tables[T].columns.name.type = "character varying(20)";
    },
    up: {
      main: [
        "DROP POLICY mine ON public.tb_post",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(20)",
        "CREATE POLICY mine ON public.tb_post AS PERMISSIVE FOR ALL TO PUBLIC USING ((author IN (SELECT tb_user.name FROM tb_user)))",
      ],
    },
  },
  {
    name: "a dropped column under a view over a view: both views go first, come back in the down after it",
    current: (i) => {
      i.catalog.views["public.v_a"] = view("SELECT pk_user, name FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT name FROM v_a");
      i.facts.viewDeps = { "public.v_a": [T], "public.v_b": ["public.v_a"] };
      i.facts.viewColumnDeps = { "public.v_a": [`${T}.name`, `${T}.pk_user`], "public.v_b": ["public.v_a.name"] };
    },
    desired: (i) => {
      delete i.catalog.tables[T].columns.name;
      i.catalog.views["public.v_a"] = view("SELECT pk_user FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT pk_user FROM v_a");
      i.facts.viewDeps = { "public.v_a": [T], "public.v_b": ["public.v_a"] };
    },
    allow: ["data-loss"],
    hazards: ["data-loss public.tb_user.name (allowed)"],
    up: {
      main: [
        "DROP VIEW public.v_b",
        "DROP VIEW public.v_a",
        "ALTER TABLE public.tb_user DROP COLUMN name",
        "CREATE VIEW public.v_a AS\nSELECT pk_user FROM tb_user",
        "CREATE VIEW public.v_b AS\nSELECT pk_user FROM v_a",
      ],
    },
    down: {
      main: [
        "DROP VIEW public.v_b",
        "DROP VIEW public.v_a",
        "ALTER TABLE public.tb_user ADD COLUMN name text",
        "CREATE VIEW public.v_a AS\nSELECT pk_user, name FROM tb_user",
        "CREATE VIEW public.v_b AS\nSELECT name FROM v_a",
      ],
    },
  },
];

runCases(CASES);
