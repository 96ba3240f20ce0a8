/**
 * Table-driven tests of the planner for objects outside tables: schemas, extensions, enums,
 * domains, sequences, functions and procedures; enums rebuilt under views, policies, triggers
 * and CHECKs that name one of their values.
 */
import { type Case, col, POLICY, runCases, table, TRIGGER, uses, view } from "./_plan_test_helpers.ts";

const SLUG = "CREATE OR REPLACE FUNCTION public.is_slug(s text)\n RETURNS boolean\n LANGUAGE sql\n" +
  "AS $function$ SELECT s ~ '^[a-z0-9-]+$' $function$";
const COUNT = "CREATE OR REPLACE FUNCTION public.tag_count()\n RETURNS bigint\n LANGUAGE sql\n" +
  "AS $function$ SELECT count(*) FROM public.tb_tag $function$";

const CASES: Case[] = [
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
    name: "an enum rebuilt under a policy, trigger and a CHECK naming one of its values: all go around the swap",
    current: (i) => {
      i.catalog.enums["public.mood"] = ["ok", "sad", "meh"];
      const t = i.catalog.tables["public.tb_user"];
      t.columns.mood = col("mood", {}, 3);
      t.constraints.ck_mood = { type: "check", definition: "CHECK (mood <> 'sad'::mood)" };
      t.indexes.idx_mood = { definition: "CREATE INDEX idx_mood ON public.tb_user USING btree (mood)" };
      t.policies.happy = { ...POLICY, using: "(mood = 'ok'::mood)" };
      t.triggers.trg_mood = TRIGGER("trg_mood", "OF mood");
      uses(i, "constraint", "tb_user.ck_mood", ["tb_user.mood"]);
      uses(i, "index", "tb_user.idx_mood", ["tb_user.mood"]);
      uses(i, "policy", "tb_user.happy", ["tb_user.mood"]);
      uses(i, "trigger", "tb_user.trg_mood", ["tb_user.mood"]);
    },
    desired: (i) => {
      i.catalog.enums["public.mood"] = ["ok", "sad"];
      const t = i.catalog.tables["public.tb_user"];
      t.columns.mood = col("mood", {}, 3);
      t.constraints.ck_mood = { type: "check", definition: "CHECK (mood <> 'sad'::mood)" };
      t.indexes.idx_mood = { definition: "CREATE INDEX idx_mood ON public.tb_user USING btree (mood)" };
      t.policies.happy = { ...POLICY, using: "(mood = 'ok'::mood)" };
      t.triggers.trg_mood = TRIGGER("trg_mood", "OF mood");
    },
    allow: ["data-loss", "rewrite"],
    hazards: ["data-loss public.mood (allowed)", "rewrite public.mood (allowed)"],
    up: {
      main: [
        "DROP TRIGGER trg_mood ON public.tb_user",
        "DROP POLICY happy ON public.tb_user",
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck_mood",
        "ALTER TYPE public.mood RENAME TO mood__confiture_old",
        "CREATE TYPE public.mood AS ENUM ('ok', 'sad')",
        "ALTER TABLE public.tb_user ALTER COLUMN mood TYPE public.mood USING mood::text::public.mood",
        "DROP TYPE public.mood__confiture_old",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck_mood CHECK (mood <> 'sad'::mood) NOT VALID",
        TRIGGER("trg_mood", "OF mood").definition,
        "CREATE POLICY happy ON public.tb_user AS PERMISSIVE FOR ALL TO PUBLIC USING ((mood = 'ok'::mood))",
      ],
      validate: ["ALTER TABLE public.tb_user VALIDATE CONSTRAINT ck_mood"],
    },
  },
  {
    name: "an enum value added under a policy, trigger and CHECK: the down takes them off around the swap",
    current: (i) => {
      i.catalog.enums["public.mood"] = ["ok"];
      const t = i.catalog.tables["public.tb_user"];
      t.columns.mood = col("mood", {}, 3);
      t.constraints.ck_mood = { type: "check", definition: "CHECK (mood = 'ok'::mood)" };
      t.policies.happy = { ...POLICY, using: "(mood = 'ok'::mood)" };
      t.triggers.trg_mood = TRIGGER("trg_mood", "OF mood");
      uses(i, "constraint", "tb_user.ck_mood", ["tb_user.mood"]);
      uses(i, "policy", "tb_user.happy", ["tb_user.mood"]);
      uses(i, "trigger", "tb_user.trg_mood", ["tb_user.mood"]);
    },
    desired: (i) => {
      i.catalog.enums["public.mood"] = ["ok", "sad"];
      const t = i.catalog.tables["public.tb_user"];
      t.columns.mood = col("mood", {}, 3);
      t.constraints.ck_mood = { type: "check", definition: "CHECK (mood = 'ok'::mood)" };
      t.policies.happy = { ...POLICY, using: "(mood = 'ok'::mood)" };
      t.triggers.trg_mood = TRIGGER("trg_mood", "OF mood");
    },
    up: { enum_values: ["ALTER TYPE public.mood ADD VALUE 'sad' AFTER 'ok'"] },
    down: {
      enum_values: [
        "DROP TRIGGER trg_mood ON public.tb_user",
        "DROP POLICY happy ON public.tb_user",
        "ALTER TABLE public.tb_user DROP CONSTRAINT ck_mood",
        "ALTER TYPE public.mood RENAME TO mood__confiture_old",
        "CREATE TYPE public.mood AS ENUM ('ok')",
        "ALTER TABLE public.tb_user ALTER COLUMN mood TYPE public.mood USING mood::text::public.mood",
        "DROP TYPE public.mood__confiture_old",
        "ALTER TABLE public.tb_user ADD CONSTRAINT ck_mood CHECK (mood = 'ok'::mood)",
        "CREATE POLICY happy ON public.tb_user AS PERMISSIVE FOR ALL TO PUBLIC USING ((mood = 'ok'::mood))",
        TRIGGER("trg_mood", "OF mood").definition,
      ],
    },
  },
];

runCases(CASES);

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
