/**
 * Table-driven tests of the planner for views and materialized views: replaced in place, or
 * dropped and created again in dependency order when they or a column they read change.
 */
import { type Case, col, runCases, view } from "./_plan_test_helpers.ts";

const CASES: Case[] = [
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
    name: "a column appended to a view: CREATE OR REPLACE up (views over it kept); the down drops and recreates both",
    current: (i) => {
      i.catalog.views["public.v_a"] = view("SELECT pk_user FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT pk_user FROM v_a");
      i.facts.viewColumns = { "public.v_a": ["pk_user integer"], "public.v_b": ["pk_user integer"] };
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"], "public.v_b": ["public.v_a"] };
    },
    desired: (i) => {
      i.catalog.views["public.v_a"] = view("SELECT pk_user, name FROM tb_user");
      i.catalog.views["public.v_b"] = view("SELECT pk_user FROM v_a");
      i.facts.viewColumns = { "public.v_a": ["pk_user integer", "name text"], "public.v_b": ["pk_user integer"] };
      i.facts.viewDeps = { "public.v_a": ["public.tb_user"], "public.v_b": ["public.v_a"] };
    },
    up: { main: ["CREATE OR REPLACE VIEW public.v_a AS\nSELECT pk_user, name FROM tb_user"] },
    down: {
      main: [
        "DROP VIEW public.v_b",
        "DROP VIEW public.v_a",
        "CREATE VIEW public.v_a AS\nSELECT pk_user FROM tb_user",
        "CREATE VIEW public.v_b AS\nSELECT pk_user FROM v_a",
      ],
    },
  },
  {
    name: "a column added to a view and a table: ADD COLUMN then OR REPLACE; the down drops the view first",
    current: (i) => {
      i.catalog.views["public.v_a"] = { ...view("SELECT pk_user FROM tb_user"), comment: "users" };
      i.facts.viewColumns = { "public.v_a": ["pk_user integer"] };
    },
    desired: (i) => {
      i.catalog.tables["public.tb_user"].columns.email = col("text", {}, 3);
      i.catalog.views["public.v_a"] = { ...view("SELECT pk_user, email FROM tb_user"), comment: "users" };
      i.facts.viewColumns = { "public.v_a": ["pk_user integer", "email text"] };
    },
    up: {
      main: [
        "ALTER TABLE public.tb_user ADD COLUMN email text",
        "CREATE OR REPLACE VIEW public.v_a AS\nSELECT pk_user, email FROM tb_user",
      ],
    },
    down: {
      main: [
        "DROP VIEW public.v_a",
        "ALTER TABLE public.tb_user DROP COLUMN email",
        "CREATE VIEW public.v_a AS\nSELECT pk_user FROM tb_user",
        "COMMENT ON VIEW public.v_a IS 'users'",
      ],
    },
  },
  {
    name: "a view column inserted before the last is not an append: dropped and created",
    current: (i) => {
      i.catalog.views["public.v_a"] = view("SELECT pk_user FROM tb_user");
      i.facts.viewColumns = { "public.v_a": ["pk_user integer"] };
    },
    desired: (i) => {
      i.catalog.views["public.v_a"] = view("SELECT name, pk_user FROM tb_user");
      i.facts.viewColumns = { "public.v_a": ["name text", "pk_user integer"] };
    },
    up: { main: ["DROP VIEW public.v_a", "CREATE VIEW public.v_a AS\nSELECT name, pk_user FROM tb_user"] },
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
];

runCases(CASES);
