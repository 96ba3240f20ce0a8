/**
 * Table-driven tests of the planner for columns of an existing table: add, drop, type, default,
 * NOT NULL, identity and generated expressions, with the hazards each names.
 */
import { type Case, col, runCases } from "./_plan_test_helpers.ts";

const CASES: Case[] = [
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
];

runCases(CASES);
