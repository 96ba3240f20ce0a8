/**
 * Table-driven tests of the diff planner: one row per object kind and hazard, from a current
 * and a desired catalog to the statements of each migration and the hazards named.
 */
import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import type { ColumnSnapshot, TableSnapshot, ViewSnapshot } from "../catalog/types.ts";
import { UsageError } from "../errors.ts";
import { emptyPlanInput } from "./facts.ts";
import { planDiff, renderMigrations } from "./plan.ts";
import type { HazardKind, PlanInput, Stage } from "./types.ts";

function col(type: string, extra: Partial<ColumnSnapshot> = {}, position = 1): ColumnSnapshot {
  return {
    position,
    type,
    nullable: true,
    default: null,
    identity: null,
    identityOptions: null,
    generated: null,
    collation: null,
    comment: null,
    ...extra,
  };
}

function table(columns: Record<string, ColumnSnapshot>, extra: Partial<TableSnapshot> = {}): TableSnapshot {
  return {
    kind: "table",
    columns,
    constraints: {},
    indexes: {},
    triggers: {},
    rowSecurity: false,
    partitionKey: null,
    partitionOf: null,
    policies: {},
    comment: null,
    ...extra,
  };
}

const USER = () =>
  table({ pk_user: col("integer", { nullable: false }), name: col("text", {}, 2) }, {
    constraints: { tb_user_pkey: { type: "primary key", definition: "PRIMARY KEY (pk_user)" } },
  });

function input(edit: (i: PlanInput) => void = () => {}): PlanInput {
  const i = emptyPlanInput();
  i.catalog.tables["public.tb_user"] = USER();
  edit(i);
  return i;
}

function view(definition: string, kind: ViewSnapshot["kind"] = "view"): ViewSnapshot {
  return { kind, definition, indexes: {}, comment: null };
}

interface Case {
  name: string;
  current?: (i: PlanInput) => void;
  desired: (i: PlanInput) => void;
  allow?: HazardKind[];
  renames?: string[];
  /** Up statements per stage, in order (allow directives left out). */
  up: Partial<Record<Stage, string[]>>;
  /** Down statements per stage, when checked. */
  down?: Partial<Record<Stage, string[]>>;
  hazards?: string[];
  unsupported?: number;
  hints?: string[];
}

const SLUG = "CREATE OR REPLACE FUNCTION public.is_slug(s text)\n RETURNS boolean\n LANGUAGE sql\n" +
  "AS $function$ SELECT s ~ '^[a-z0-9-]+$' $function$";
const COUNT = "CREATE OR REPLACE FUNCTION public.tag_count()\n RETURNS bigint\n LANGUAGE sql\n" +
  "AS $function$ SELECT count(*) FROM public.tb_tag $function$";

const CASES: Case[] = [
  {
    name: "new table with a foreign key to an existing one: plain DDL, FK after the table",
    desired: (i) => {
      i.catalog.tables["public.tb_post"] = table({
        pk_post: col("integer", { nullable: false, identity: "always", identityOptions: "START 1 INCREMENT 1" }),
        fk_user: col("integer", { nullable: false }, 2),
      }, {
        constraints: {
          tb_post_pkey: { type: "primary key", definition: "PRIMARY KEY (pk_post)" },
          tb_post_fk_user_fkey: {
            type: "foreign key",
            definition: "FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)",
          },
        },
        indexes: {
          idx_post_user: { definition: "CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)" },
        },
      });
    },
    up: {
      main: [
        "CREATE TABLE public.tb_post (\n    pk_post integer GENERATED ALWAYS AS IDENTITY (START 1 INCREMENT 1),\n" +
        "    fk_user integer NOT NULL,\n    CONSTRAINT tb_post_pkey PRIMARY KEY (pk_post)\n)",
        "ALTER TABLE public.tb_post ADD CONSTRAINT tb_post_fk_user_fkey FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)",
        "CREATE INDEX idx_post_user ON public.tb_post USING btree (fk_user)",
      ],
    },
    down: {
      main: [
        "ALTER TABLE public.tb_post DROP CONSTRAINT tb_post_fk_user_fkey",
        "DROP TABLE public.tb_post",
      ],
    },
  },
  {
    name: "add a nullable column",
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.bio = col("text", {}, 3)),
    up: { main: ["ALTER TABLE public.tb_user ADD COLUMN bio text"] },
    down: { main: ["ALTER TABLE public.tb_user DROP COLUMN bio"] },
  },
  {
    name: "add a column with a constant default and NOT NULL: one statement, no rewrite",
    desired: (
      i,
    ) => (i.catalog.tables["public.tb_user"].columns.active = col("boolean", { nullable: false, default: "true" }, 3)),
    up: { main: ["ALTER TABLE public.tb_user ADD COLUMN active boolean DEFAULT true NOT NULL"] },
  },
  {
    name: "add a column with a volatile default is a rewrite hazard",
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.id = col("uuid", { default: "gen_random_uuid()" }, 3)),
    up: { main: ["ALTER TABLE public.tb_user ADD COLUMN id uuid DEFAULT gen_random_uuid()"] },
    hazards: ["rewrite public.tb_user.id (blocked)"],
  },
  {
    name: "add a NOT NULL column without default: backfill hazard, then a validated check",
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.email = col("text", { nullable: false }, 3)),
    allow: ["backfill"],
    up: {
      main: [
        "ALTER TABLE public.tb_user ADD COLUMN email text",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_email_not_null_chk CHECK (email IS NOT NULL) NOT VALID",
      ],
      validate: [
        "ALTER TABLE public.tb_user VALIDATE CONSTRAINT tb_user_email_not_null_chk",
        "ALTER TABLE public.tb_user ALTER COLUMN email SET NOT NULL",
        "ALTER TABLE public.tb_user DROP CONSTRAINT tb_user_email_not_null_chk",
      ],
    },
    down: {
      validate: [
        "ALTER TABLE public.tb_user ALTER COLUMN email DROP NOT NULL",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_email_not_null_chk CHECK (email IS NOT NULL) NOT VALID",
      ],
    },
    hazards: ["backfill public.tb_user.email (allowed)"],
  },
  {
    name: "drop a column is data loss, blocked without the flag",
    desired: (i) => delete i.catalog.tables["public.tb_user"].columns.name,
    up: { main: ["ALTER TABLE public.tb_user DROP COLUMN name"] },
    down: { main: ["ALTER TABLE public.tb_user ADD COLUMN name text"] },
    hazards: ["data-loss public.tb_user.name (blocked)"],
  },
  {
    name: "widening varchar is free; narrowing is data loss and a rewrite",
    current: (i) => {
      i.catalog.tables["public.tb_user"].columns.code = col("character varying(10)", {}, 3);
      i.catalog.tables["public.tb_user"].columns.slug = col("character varying(50)", {}, 4);
    },
    desired: (i) => {
      i.catalog.tables["public.tb_user"].columns.code = col("character varying(20)", {}, 3);
      i.catalog.tables["public.tb_user"].columns.slug = col("character varying(20)", {}, 4);
    },
    allow: ["data-loss", "rewrite"],
    up: {
      main: [
        "ALTER TABLE public.tb_user ALTER COLUMN code TYPE character varying(20)",
        "ALTER TABLE public.tb_user ALTER COLUMN slug TYPE character varying(20) USING slug::character varying(20)",
      ],
    },
    hazards: ["data-loss public.tb_user.slug (allowed)", "rewrite public.tb_user.slug (allowed)"],
  },
  {
    name: "integer → bigint is a rewrite, not data loss",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.n = col("integer", {}, 3)),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.n = col("bigint", {}, 3)),
    up: { main: ["ALTER TABLE public.tb_user ALTER COLUMN n TYPE bigint USING n::bigint"] },
    hazards: ["rewrite public.tb_user.n (blocked)"],
  },
  {
    name: "default set and dropped",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.name.default = "'x'::text"),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.name.default = "'y'::text"),
    up: { main: ["ALTER TABLE public.tb_user ALTER COLUMN name SET DEFAULT 'y'::text"] },
    down: { main: ["ALTER TABLE public.tb_user ALTER COLUMN name SET DEFAULT 'x'::text"] },
  },
  {
    name: "SET NOT NULL on an existing column goes through a validated CHECK",
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.name.nullable = false),
    up: {
      main: ["ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_name_not_null_chk CHECK (name IS NOT NULL) NOT VALID"],
      validate: [
        "ALTER TABLE public.tb_user VALIDATE CONSTRAINT tb_user_name_not_null_chk",
        "ALTER TABLE public.tb_user ALTER COLUMN name SET NOT NULL",
        "ALTER TABLE public.tb_user DROP CONSTRAINT tb_user_name_not_null_chk",
      ],
    },
  },
  {
    name: "DROP NOT NULL is plain",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.name.nullable = false),
    desired: () => {},
    up: { main: ["ALTER TABLE public.tb_user ALTER COLUMN name DROP NOT NULL"] },
    down: { main: ["ALTER TABLE public.tb_user ALTER COLUMN name SET NOT NULL"] },
  },
  {
    name: "identity added to a NOT NULL column, and its kind changed on another",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.n = col("integer", { nullable: false }, 3)),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.n = col("integer", {
      nullable: false,
      identity: "by default",
      identityOptions: "START 1 INCREMENT 1",
    }, 3)),
    up: {
      main: ["ALTER TABLE public.tb_user ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY (START 1 INCREMENT 1)"],
    },
    down: { main: ["ALTER TABLE public.tb_user ALTER COLUMN n DROP IDENTITY"] },
  },
  {
    name: "a changed generation expression rebuilds the column (rewrite hazard)",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.up = col("text", {
      generated: { kind: "stored", expression: "upper(name)" },
    }, 3)),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.up = col("text", {
      generated: { kind: "stored", expression: "lower(name)" },
    }, 3)),
    allow: ["rewrite"],
    up: {
      main: [
        "ALTER TABLE public.tb_user DROP COLUMN up",
        "ALTER TABLE public.tb_user ADD COLUMN up text GENERATED ALWAYS AS (lower(name)) STORED",
      ],
    },
    hazards: ["rewrite public.tb_user.up (allowed)"],
  },
  {
    name: "dropping a column a rebuilt generated column read: generated dropped first, added after",
    current: (i) => {
      const c = i.catalog.tables["public.tb_user"].columns;
      c.blurb = col("text", {}, 3);
      c.search = col("tsvector", {
        generated: { kind: "stored", expression: "to_tsvector('simple'::regconfig, blurb)" },
      }, 4);
    },
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.search = col("tsvector", {
      generated: { kind: "stored", expression: "to_tsvector('simple'::regconfig, name)" },
    }, 3)),
    allow: ["rewrite", "data-loss"],
    hazards: ["data-loss public.tb_user.blurb (allowed)", "rewrite public.tb_user.search (allowed)"],
    up: {
      main: [
        "ALTER TABLE public.tb_user DROP COLUMN search",
        "ALTER TABLE public.tb_user DROP COLUMN blurb",
        "ALTER TABLE public.tb_user ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, name)) STORED",
      ],
    },
    down: {
      main: [
        "ALTER TABLE public.tb_user DROP COLUMN search",
        "ALTER TABLE public.tb_user ADD COLUMN blurb text",
        "ALTER TABLE public.tb_user ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, blurb)) STORED",
      ],
    },
  },
  {
    name: "dropping a column and the generated column reading it: the generated one goes first",
    current: (i) => {
      const c = i.catalog.tables["public.tb_user"].columns;
      c.blurb = col("text", {}, 3);
      c.search = col("tsvector", {
        generated: { kind: "stored", expression: "to_tsvector('simple'::regconfig, blurb)" },
      }, 4);
    },
    desired: () => {},
    allow: ["data-loss"],
    hazards: ["data-loss public.tb_user.blurb (allowed)", "data-loss public.tb_user.search (allowed)"],
    up: { main: ["ALTER TABLE public.tb_user DROP COLUMN search", "ALTER TABLE public.tb_user DROP COLUMN blurb"] },
  },
  {
    name: "FK and CHECK on an existing table: NOT VALID, then VALIDATE in a later migration",
    current: (i) => (i.catalog.tables["public.tb_post"] = table({ fk_user: col("integer") })),
    desired: (i) => (i.catalog.tables["public.tb_post"] = table({ fk_user: col("integer") }, {
      constraints: {
        fk: { type: "foreign key", definition: "FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user)" },
        ck: { type: "check", definition: "CHECK (fk_user > 0)" },
      },
    })),
    up: {
      main: [
        "ALTER TABLE public.tb_post ADD CONSTRAINT ck CHECK (fk_user > 0) NOT VALID",
        "ALTER TABLE public.tb_post ADD CONSTRAINT fk FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user) NOT VALID",
      ],
      validate: [
        "ALTER TABLE public.tb_post VALIDATE CONSTRAINT ck",
        "ALTER TABLE public.tb_post VALIDATE CONSTRAINT fk",
      ],
    },
    down: {
      validate: [
        "ALTER TABLE public.tb_post DROP CONSTRAINT fk",
        "ALTER TABLE public.tb_post ADD CONSTRAINT fk FOREIGN KEY (fk_user) REFERENCES tb_user(pk_user) NOT VALID",
        "ALTER TABLE public.tb_post DROP CONSTRAINT ck",
        "ALTER TABLE public.tb_post ADD CONSTRAINT ck CHECK (fk_user > 0) NOT VALID",
      ],
    },
  },
  {
    name: "UNIQUE on an existing table: a concurrent unique index, then USING INDEX",
    desired: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.tb_user_name_key = {
      type: "unique",
      definition: "UNIQUE (name)",
    }),
    up: {
      concurrently: [
        "CREATE UNIQUE INDEX CONCURRENTLY tb_user_name_key ON public.tb_user (name)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_name_key UNIQUE USING INDEX tb_user_name_key",
      ],
    },
    down: { concurrently: ["ALTER TABLE public.tb_user DROP CONSTRAINT tb_user_name_key"] },
  },
  {
    name: "PRIMARY KEY on an existing table: index concurrently, key added in the validate migration",
    current: (i) => (i.catalog.tables["public.tb_user"].constraints = {}),
    desired: () => {},
    up: {
      concurrently: ["CREATE UNIQUE INDEX CONCURRENTLY tb_user_pkey ON public.tb_user (pk_user)"],
      validate: ["ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_pkey PRIMARY KEY USING INDEX tb_user_pkey"],
    },
  },
  {
    name: "EXCLUDE on an existing table is a lock hazard",
    desired: (i) => (i.catalog.tables["public.tb_user"].constraints.ex = {
      type: "exclusion",
      definition: "EXCLUDE USING btree (name WITH =)",
    }),
    up: { main: ["ALTER TABLE public.tb_user ADD CONSTRAINT ex EXCLUDE USING btree (name WITH =)"] },
    hazards: ["lock public.tb_user.ex (blocked)"],
  },
  {
    name: "dropped constraint and changed CHECK",
    current: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.ck = {
      type: "check",
      definition: "CHECK (length(name) > 0)",
    }),
    desired: (
      i,
    ) => (i.catalog.tables["public.tb_user"].constraints.ck = {
      type: "check",
      definition: "CHECK (length(name) > 1)",
    }),
    up: {
      main: [
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck CHECK (length(name) > 1) NOT VALID",
      ],
      validate: ["ALTER TABLE public.tb_user VALIDATE CONSTRAINT ck"],
    },
  },
  {
    name: "index on an existing table: CONCURRENTLY in a migration of its own; a dropped index is plain",
    current: (i) => (i.catalog.tables["public.tb_user"].indexes.old = {
      definition: "CREATE INDEX old ON public.tb_user USING btree (name)",
    }),
    desired: (i) => (i.catalog.tables["public.tb_user"].indexes.idx_name = {
      definition: "CREATE INDEX idx_name ON public.tb_user USING btree (lower(name))",
    }),
    up: {
      main: ["DROP INDEX public.old"],
      concurrently: ["CREATE INDEX CONCURRENTLY idx_name ON public.tb_user USING btree (lower(name))"],
    },
    down: {
      main: ["CREATE INDEX old ON public.tb_user USING btree (name)"],
      concurrently: ["DROP INDEX public.idx_name"],
    },
  },
  {
    name: "view with the same output columns: CREATE OR REPLACE both ways",
    current: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT jsonb_build_object('name', name) AS data FROM tb_user");
      i.facts.viewColumns["public.v_user"] = ["data jsonb"];
    },
    desired: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT jsonb_build_object('name', name, 'x', 1) AS data FROM tb_user");
      i.facts.viewColumns["public.v_user"] = ["data jsonb"];
    },
    up: {
      main: [
        "CREATE OR REPLACE VIEW public.v_user AS\nSELECT jsonb_build_object('name', name, 'x', 1) AS data FROM tb_user",
      ],
    },
    down: {
      main: ["CREATE OR REPLACE VIEW public.v_user AS\nSELECT jsonb_build_object('name', name) AS data FROM tb_user"],
    },
  },
  {
    name: "a column type change rebuilds the views reading it, and their dependents, in dependency order",
    current: (i) => {
      i.catalog.tables["public.tb_user"].columns.name.type = "character varying(100)";
      i.catalog.views["public.v_a"] = view("SELECT name FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT name FROM v_a");
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"], "public.v_b": ["public.v_a"] };
      i.facts.viewColumnDeps = { "public.v_a": ["public.tb_user.name"], "public.v_b": ["public.v_a.name"] };
    },
    desired: (i) => {
      i.catalog.tables["public.tb_user"].columns.name.type = "character varying(200)";
      i.catalog.views["public.v_a"] = view("SELECT name FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT name FROM v_a");
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"], "public.v_b": ["public.v_a"] };
    },
    allow: ["rewrite"],
    up: {
      main: [
        "DROP VIEW public.v_b",
        "DROP VIEW public.v_a",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(200)",
        "CREATE VIEW public.v_a AS\nSELECT name FROM tb_user",
        "CREATE VIEW public.v_b AS\nSELECT name FROM v_a",
      ],
    },
    down: {
      main: [
        "DROP VIEW public.v_b",
        "DROP VIEW public.v_a",
        "ALTER TABLE public.tb_user ALTER COLUMN name TYPE character varying(100) USING name::character varying(100)",
        "CREATE VIEW public.v_a AS\nSELECT name FROM tb_user",
        "CREATE VIEW public.v_b AS\nSELECT name FROM v_a",
      ],
    },
  },
  {
    name: "materialized view changed: dropped and created with its indexes",
    current: (i) => (i.catalog.views["public.mv"] = view("SELECT 1 AS one", "materialized view")),
    desired: (i) => (i.catalog.views["public.mv"] = {
      ...view("SELECT 2 AS one", "materialized view"),
      indexes: { mv_one: { definition: "CREATE INDEX mv_one ON public.mv USING btree (one)" } },
    }),
    up: {
      main: [
        "DROP MATERIALIZED VIEW public.mv",
        "CREATE MATERIALIZED VIEW public.mv AS\nSELECT 2 AS one",
        "CREATE INDEX mv_one ON public.mv USING btree (one)",
      ],
    },
  },
  {
    name: "function body changed: CREATE OR REPLACE; return type changed: drop and create",
    current: (i) => {
      i.catalog.functions["public.f()"] = fnSnap("integer");
      i.catalog.functions["public.g()"] = fnSnap("integer");
      i.facts.functionDefs["public.f()"] = fnDef("f", "integer", "1");
      i.facts.functionDefs["public.g()"] = fnDef("g", "integer", "1");
    },
    desired: (i) => {
      i.catalog.functions["public.f()"] = fnSnap("integer");
      i.catalog.functions["public.g()"] = fnSnap("bigint");
      i.facts.functionDefs["public.f()"] = fnDef("f", "integer", "2");
      i.facts.functionDefs["public.g()"] = fnDef("g", "bigint", "1");
    },
    up: {
      main: ["DROP FUNCTION public.g()", fnDef("f", "integer", "2"), fnDef("g", "bigint", "1")],
    },
    down: { main: ["DROP FUNCTION public.g()", fnDef("f", "integer", "1"), fnDef("g", "integer", "1")] },
  },
  {
    name: "enum values added with BEFORE/AFTER in a migration of their own; the down rebuilds the type",
    current: (i) => {
      i.catalog.enums["public.mood"] = ["ok", "sad"];
      i.catalog.tables["public.tb_user"].columns.mood = col("mood", { default: "'ok'::mood" }, 3);
    },
    desired: (i) => {
      i.catalog.enums["public.mood"] = ["happy", "ok", "meh", "sad"];
      i.catalog.tables["public.tb_user"].columns.mood = col("mood", { default: "'ok'::mood" }, 3);
    },
    up: {
      enum_values: [
        "ALTER TYPE public.mood ADD VALUE 'happy' BEFORE 'ok'",
        "ALTER TYPE public.mood ADD VALUE 'meh' AFTER 'ok'",
      ],
    },
    down: {
      enum_values: [
        "ALTER TYPE public.mood RENAME TO mood__confiture_old",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad')",
        "ALTER TABLE public.tb_user ALTER COLUMN mood DROP DEFAULT",
        "ALTER TABLE public.tb_user ALTER COLUMN mood TYPE public.mood USING mood::text::public.mood",
        "ALTER TABLE public.tb_user ALTER COLUMN mood SET DEFAULT 'ok'::mood",
        "DROP TYPE public.mood__confiture_old",
      ],
    },
  },
  {
    name: "removing an enum value is a data-loss hazard",
    current: (i) => (i.catalog.enums["public.mood"] = ["ok", "sad"]),
    desired: (i) => (i.catalog.enums["public.mood"] = ["ok"]),
    up: {
      main: [
        "ALTER TYPE public.mood RENAME TO mood__confiture_old",
        "CREATE TYPE public.mood AS ENUM ('ok')",
        "DROP TYPE public.mood__confiture_old",
      ],
    },
    hazards: ["data-loss public.mood (blocked)", "rewrite public.mood (blocked)"],
  },
  {
    name: "schema, extension, enum, domain and sequence created before the table that uses them",
    desired: (i) => {
      i.catalog.schemas.push("app");
      i.catalog.extensions.push("pgcrypto");
      i.catalog.enums["app.status"] = ["on", "off"];
      i.catalog.domains["app.pos"] = { type: "integer", nullable: false, default: null, checks: ["CHECK (VALUE > 0)"] };
      i.facts.domainCheckNames["app.pos"] = ["pos_check"];
      i.catalog.sequences["app.seq"] = {
        type: "bigint",
        start: "1",
        increment: "1",
        min: "1",
        max: "9223372036854775807",
        cache: "1",
        cycle: false,
        ownedBy: null,
      };
      i.catalog.tables["app.t"] = table({ s: col("app.status"), p: col("app.pos", {}, 2) });
    },
    up: {
      main: [
        "CREATE SCHEMA app",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "CREATE TYPE app.status AS ENUM ('on', 'off')",
        "CREATE DOMAIN app.pos AS integer NOT NULL CONSTRAINT pos_check CHECK (VALUE > 0)",
        "CREATE SEQUENCE app.seq AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE",
        "CREATE TABLE app.t (\n    s app.status,\n    p app.pos\n)",
      ],
    },
    down: {
      main: [
        "DROP TABLE app.t",
        "DROP SEQUENCE app.seq",
        "DROP DOMAIN app.pos",
        "DROP TYPE app.status",
        "DROP EXTENSION pgcrypto",
        "DROP SCHEMA app",
      ],
    },
  },
  {
    name: "triggers, row-level security, policies and comments",
    desired: (i) => {
      const t = i.catalog.tables["public.tb_user"];
      t.triggers.trg = {
        definition: "CREATE TRIGGER trg BEFORE UPDATE ON public.tb_user FOR EACH ROW EXECUTE FUNCTION f()",
        enabled: "origin",
      };
      t.rowSecurity = true;
      t.policies.own = {
        command: "select",
        permissive: true,
        roles: ["public"],
        using: "(name = CURRENT_USER)",
        check: null,
      };
      t.comment = "Users";
      t.columns.name.comment = "Full name";
    },
    up: {
      main: [
        "CREATE TRIGGER trg BEFORE UPDATE ON public.tb_user FOR EACH ROW EXECUTE FUNCTION f()",
        "ALTER TABLE public.tb_user ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY own ON public.tb_user AS PERMISSIVE FOR SELECT TO PUBLIC USING ((name = CURRENT_USER))",
        "COMMENT ON COLUMN public.tb_user.name IS 'Full name'",
        "COMMENT ON TABLE public.tb_user IS 'Users'",
      ],
    },
  },
  {
    name: "a partition of a new partitioned table comes after its parent",
    desired: (i) => {
      i.catalog.tables["public.ev_2026"] = table({ at: col("date") }, {
        partitionOf: { parent: "public.ev", bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
      });
      i.catalog.tables["public.ev"] = table({ at: col("date") }, {
        kind: "partitioned table",
        partitionKey: "RANGE (at)",
      });
    },
    up: {
      main: [
        "CREATE TABLE public.ev (\n    at date\n) PARTITION BY RANGE (at)",
        "CREATE TABLE public.ev_2026 PARTITION OF public.ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
      ],
    },
  },
  {
    name: "a dropped and an added column of one type are a rename hint; --rename writes RENAME",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.full_name = col("text", {}, 3)),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.display = col("text", {}, 3)),
    renames: ["tb_user.full_name=display"],
    up: { main: ["ALTER TABLE public.tb_user RENAME COLUMN full_name TO display"] },
    down: { main: ["ALTER TABLE public.tb_user RENAME COLUMN display TO full_name"] },
  },
  {
    name: "column rename under a view: PostgreSQL follows it, so the view is left alone",
    current: (i) => {
      i.catalog.tables["public.tb_user"].columns.full_name = col("text", {}, 3);
      i.catalog.views["public.v_a"] = view(" SELECT u.full_name, 'full_name' AS k FROM tb_user u;");
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"] };
      i.facts.viewColumnDeps = { "public.v_a": ["public.tb_user.full_name"] };
    },
    desired: (i) => {
      i.catalog.tables["public.tb_user"].columns.display = col("text", {}, 3);
      i.catalog.views["public.v_a"] = view(" SELECT u.display, 'full_name' AS k FROM tb_user u;");
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"] };
      i.facts.viewColumnDeps = { "public.v_a": ["public.tb_user.display"] };
    },
    renames: ["tb_user.full_name=display"],
    up: { main: ["ALTER TABLE public.tb_user RENAME COLUMN full_name TO display"] },
  },
  {
    name: "without --rename the pair is a drop (data loss) plus an add, with the hint",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.full_name = col("text", {}, 3)),
    desired: (i) => (i.catalog.tables["public.tb_user"].columns.display = col("text", {}, 3)),
    up: {
      main: ["ALTER TABLE public.tb_user ADD COLUMN display text", "ALTER TABLE public.tb_user DROP COLUMN full_name"],
    },
    hazards: ["data-loss public.tb_user.full_name (blocked)"],
    hints: ["--rename tb_user.full_name=display"],
  },
  {
    name: "table rename",
    current: (i) => (i.catalog.tables["public.tb_person"] = table({ a: col("text") })),
    desired: (i) => (i.catalog.tables["public.tb_people"] = table({ a: col("text") })),
    renames: ["tb_person=tb_people"],
    up: { main: ["ALTER TABLE public.tb_person RENAME TO tb_people"] },
    down: { main: ["ALTER TABLE public.tb_people RENAME TO tb_person"] },
  },
  {
    name: "a dropped table is data loss; its down recreates it",
    current: (i) => (i.catalog.tables["public.tb_old"] = table({ a: col("text", { nullable: false }) })),
    desired: () => {},
    allow: ["data-loss"],
    up: { main: ["DROP TABLE public.tb_old"] },
    down: { main: ["CREATE TABLE public.tb_old (\n    a text NOT NULL\n)"] },
    hazards: ["data-loss public.tb_old (allowed)"],
    hints: [],
  },
  {
    name: "a foreign key to a UNIQUE added to an existing table waits for its index, then is validated later",
    current: (i) => (i.catalog.tables["public.tb_user"].columns.email = col("text", {}, 3)),
    desired: (i) => {
      const u = i.catalog.tables["public.tb_user"];
      u.columns.email = col("text", {}, 3);
      u.constraints.tb_user_email_key = { type: "unique", definition: "UNIQUE (email)" };
      i.catalog.tables["public.tb_invite"] = table({ email: col("text") }, {
        constraints: {
          tb_invite_email_fkey: { type: "foreign key", definition: "FOREIGN KEY (email) REFERENCES tb_user(email)" },
        },
      });
    },
    up: {
      main: ["CREATE TABLE public.tb_invite (\n    email text\n)"],
      concurrently: [
        "CREATE UNIQUE INDEX CONCURRENTLY tb_user_email_key ON public.tb_user (email)",
        "ALTER TABLE public.tb_user ADD CONSTRAINT tb_user_email_key UNIQUE USING INDEX tb_user_email_key",
      ],
      validate: [
        "ALTER TABLE public.tb_invite ADD CONSTRAINT tb_invite_email_fkey FOREIGN KEY (email) REFERENCES tb_user(email) NOT VALID",
      ],
      validate_foreign_keys: ["ALTER TABLE public.tb_invite VALIDATE CONSTRAINT tb_invite_email_fkey"],
    },
  },
  {
    name: "SQL functions: one reading a new table after it, one a CHECK calls before the table",
    desired: (i) => {
      i.catalog.tables["public.tb_tag"] = table({ slug: col("text") }, {
        constraints: { tb_tag_slug_check: { type: "check", definition: "CHECK (public.is_slug(slug))" } },
      });
      i.catalog.functions["public.is_slug(s text)"] = { ...fnSnap("boolean"), language: "sql" };
      i.catalog.functions["public.tag_count()"] = { ...fnSnap("bigint"), language: "sql" };
      i.facts.functionDefs["public.is_slug(s text)"] = SLUG;
      i.facts.functionDefs["public.tag_count()"] = COUNT;
    },
    up: {
      main: [
        SLUG,
        "CREATE TABLE public.tb_tag (\n    slug text,\n    CONSTRAINT tb_tag_slug_check CHECK (public.is_slug(slug))\n)",
        COUNT,
      ],
    },
  },
  {
    name: "enum values added while a view reads the column: the down rebuilds the view around the type swap",
    current: (i) => {
      i.catalog.enums["public.mood"] = ["ok"];
      i.catalog.tables["public.tb_user"].columns.mood = col("mood", {}, 3);
      i.catalog.views["public.v_mood"] = view(" SELECT mood FROM tb_user;");
      i.catalog.views["public.v_mood2"] = view(" SELECT mood FROM v_mood;");
      i.facts.viewDeps = { "public.v_mood": ["public.tb_user"], "public.v_mood2": ["public.v_mood"] };
      i.facts.viewColumnDeps = { "public.v_mood": ["public.tb_user.mood"], "public.v_mood2": ["public.v_mood.mood"] };
    },
    desired: (i) => {
      i.catalog.enums["public.mood"] = ["ok", "sad"];
      i.catalog.tables["public.tb_user"].columns.mood = col("mood", {}, 3);
      i.catalog.views["public.v_mood"] = view(" SELECT mood FROM tb_user;");
      i.catalog.views["public.v_mood2"] = view(" SELECT mood FROM v_mood;");
      i.facts.viewDeps = { "public.v_mood": ["public.tb_user"], "public.v_mood2": ["public.v_mood"] };
      i.facts.viewColumnDeps = { "public.v_mood": ["public.tb_user.mood"], "public.v_mood2": ["public.v_mood.mood"] };
    },
    up: { enum_values: ["ALTER TYPE public.mood ADD VALUE 'sad' AFTER 'ok'"] },
    down: {
      enum_values: [
        "DROP VIEW public.v_mood2",
        "DROP VIEW public.v_mood",
        "ALTER TYPE public.mood RENAME TO mood__confiture_old",
        "CREATE TYPE public.mood AS ENUM ('ok')",
        "ALTER TABLE public.tb_user ALTER COLUMN mood TYPE public.mood USING mood::text::public.mood",
        "DROP TYPE public.mood__confiture_old",
        "CREATE VIEW public.v_mood AS\n SELECT mood FROM tb_user;",
        "CREATE VIEW public.v_mood2 AS\n SELECT mood FROM v_mood;",
      ],
    },
  },
  {
    name: "a table turned into a partitioned table cannot be planned",
    desired: (i) => {
      i.catalog.tables["public.tb_user"].kind = "partitioned table";
      i.catalog.tables["public.tb_user"].partitionKey = "HASH (pk_user)";
    },
    up: {},
    unsupported: 1,
  },
];

function fnSnap(returns: string) {
  return {
    kind: "function" as const,
    returns,
    language: "plpgsql",
    volatility: "volatile" as const,
    strict: false,
    securityDefiner: false,
    body: "",
  };
}

function fnDef(name: string, returns: string, value: string): string {
  return `CREATE OR REPLACE FUNCTION public.${name}()\n RETURNS ${returns}\n LANGUAGE plpgsql\nAS $function$ BEGIN RETURN ${value}; END $function$`;
}

// Statements without the allow directives and hazard comments they carry.
const bare = (sql: string) => sql.split("\n").filter((l) => !l.startsWith("-- confiture:allow")).join("\n");

for (const c of CASES) {
  Deno.test(`planDiff: ${c.name}`, () => {
    const plan = planDiff(input(c.current), input(c.desired), { allowHazards: c.allow, renames: c.renames });
    const stages = [...new Set(plan.changes.map((ch) => ch.stage))];
    const up: Partial<Record<Stage, string[]>> = {};
    const down: Partial<Record<Stage, string[]>> = {};
    for (const s of stages) {
      const mine = plan.changes.filter((ch) => ch.stage === s);
      up[s] = mine.flatMap((ch) => ch.up.map(bare));
      down[s] = [...mine].reverse().flatMap((ch) => ch.down.map(bare));
    }
    assertEquals(up, c.up, "up");
    if (c.down) { for (const [s, d] of Object.entries(c.down)) assertEquals(down[s as Stage], d, `down ${s}`); }
    assertEquals(
      plan.hazards.map((h) => `${h.kind} ${h.object} (${h.allowed ? "allowed" : "blocked"})`).sort(),
      [...(c.hazards ?? [])].sort(),
      "hazards",
    );
    assertEquals(plan.unsupported.length, c.unsupported ?? 0, "unsupported");
    if (c.hints) assertEquals(plan.renameHints.map((h) => h.flag), c.hints, "rename hints");
  });
}

Deno.test("planDiff: nothing to do for equal catalogs", () => {
  const plan = planDiff(input(), input());
  assertEquals([plan.changes, plan.hazards, plan.unsupported], [[], [], []]);
});

Deno.test("planDiff: a --rename that names nothing is a usage error", () => {
  assertThrows(() => planDiff(input(), input(), { renames: ["tb_user.nope=x"] }), UsageError, "no table or column");
  assertThrows(() => planDiff(input(), input(), { renames: ["garbage"] }), UsageError, "expected");
});

Deno.test("renderMigrations: one file per stage, named NAME, NAME_concurrently, NAME_validate; hazards commented", () => {
  const plan = planDiff(
    input(),
    input((i) => {
      const t = i.catalog.tables["public.tb_user"];
      t.columns.name.nullable = false;
      t.indexes.idx = { definition: "CREATE INDEX idx ON public.tb_user USING btree (name)" };
      t.columns.bio = col("uuid", { default: "gen_random_uuid()" }, 3);
    }),
    { allowHazards: ["rewrite"] },
  );
  const files = renderMigrations(plan.changes, "tidy");
  assertEquals(files.map((f) => f.name), ["tidy", "tidy_concurrently", "tidy_validate"]);
  const main = files[0].up;
  assertEquals(main.includes("-- hazard rewrite:"), true);
  assertEquals(main.includes("-- confiture:allow add-column-volatile-default"), true);
  assertEquals(renderMigrations(plan.changes.filter((c) => c.stage === "concurrently"), "idx").map((f) => f.name), [
    "idx",
  ]);
});
