/**
 * Table-driven tests of the planner for views and materialized views: replaced in place, or
 * dropped and created again in dependency order when they or a column they read change.
 */
import { type Case, runCases, view } from "./_plan_test_helpers.ts";

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
