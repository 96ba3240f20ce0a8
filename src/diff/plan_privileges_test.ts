/**
 * Table-driven tests of the planner for privileges: GRANT / REVOKE on tables, columns, views,
 * sequences, routines and schemas, and the grants an object dropped or rebuilt takes back.
 */
import { type Case, col, runCases, table, view } from "./_plan_test_helpers.ts";
import type { FunctionSnapshot } from "../catalog/types.ts";

const FN: FunctionSnapshot = {
  kind: "function",
  returns: "integer",
  language: "sql",
  volatility: "volatile",
  strict: false,
  securityDefiner: false,
  body: "SELECT 1",
};
const SEQ = {
  type: "bigint",
  start: "1",
  increment: "1",
  min: "1",
  max: "9223372036854775807",
  cache: "1",
  cycle: false,
  ownedBy: null,
};
const fnDef = (returns: string) =>
  `CREATE OR REPLACE FUNCTION public.f()\n RETURNS ${returns}\n LANGUAGE sql\nAS $function$ SELECT 1 $function$`;

const CASES: Case[] = [
  {
    name: "a grant added to a table: GRANT up, REVOKE down",
    desired: (i) => (i.catalog.privileges["table public.tb_user"] = ["SELECT TO PUBLIC"]),
    up: { main: ["GRANT SELECT ON TABLE public.tb_user TO PUBLIC"] },
    down: { main: ["REVOKE SELECT ON TABLE public.tb_user FROM PUBLIC"] },
  },
  {
    name: "a grant option taken away and a privilege added: REVOKE then GRANT, and back",
    current: (i) => (i.catalog.privileges["table public.tb_user"] = ["SELECT TO app WITH GRANT OPTION"]),
    desired: (i) => (i.catalog.privileges["table public.tb_user"] = ["INSERT TO app", "SELECT TO app"]),
    up: {
      main: [
        "REVOKE SELECT ON TABLE public.tb_user FROM app",
        "GRANT INSERT ON TABLE public.tb_user TO app",
        "GRANT SELECT ON TABLE public.tb_user TO app",
      ],
    },
    down: {
      main: [
        "REVOKE INSERT ON TABLE public.tb_user FROM app",
        "REVOKE SELECT ON TABLE public.tb_user FROM app",
        "GRANT SELECT ON TABLE public.tb_user TO app WITH GRANT OPTION",
      ],
    },
  },
  {
    name: "column, sequence, schema grants; EXECUTE revoked from PUBLIC on a function",
    current: (i) => {
      i.catalog.schemas.push("app");
      i.catalog.sequences["public.seq"] = SEQ;
      i.catalog.functions["public.f()"] = FN;
      i.facts.functionDefs["public.f()"] = fnDef("integer");
    },
    desired: (i) => {
      i.catalog.schemas.push("app");
      i.catalog.sequences["public.seq"] = SEQ;
      i.catalog.functions["public.f()"] = FN;
      i.facts.functionDefs["public.f()"] = fnDef("integer");
      i.catalog.privileges = {
        "column public.tb_user.name": ["UPDATE TO app"],
        "function public.f()": [],
        "schema app": ['USAGE TO "App Reader"'],
        "sequence public.seq": ["USAGE TO app"],
      };
    },
    up: {
      main: [
        "GRANT UPDATE (name) ON TABLE public.tb_user TO app",
        "REVOKE EXECUTE ON ROUTINE public.f() FROM PUBLIC",
        'GRANT USAGE ON SCHEMA app TO "App Reader"',
        "GRANT USAGE ON SEQUENCE public.seq TO app",
      ],
    },
    down: {
      main: [
        "REVOKE USAGE ON SEQUENCE public.seq FROM app",
        'REVOKE USAGE ON SCHEMA app FROM "App Reader"',
        "GRANT EXECUTE ON ROUTINE public.f() TO PUBLIC",
        "REVOKE UPDATE (name) ON TABLE public.tb_user FROM app",
      ],
    },
  },
  {
    name: "a new table with a grant: GRANT after CREATE; the down only drops it",
    desired: (i) => {
      i.catalog.tables["public.tb_tag"] = table({ name: col("text") });
      i.catalog.privileges["table public.tb_tag"] = ["SELECT TO PUBLIC"];
    },
    up: { main: ["CREATE TABLE public.tb_tag (\n    name text\n)", "GRANT SELECT ON TABLE public.tb_tag TO PUBLIC"] },
    down: { main: ["DROP TABLE public.tb_tag"] },
  },
  {
    name: "a dropped table's grants come back at the end of the down",
    current: (i) => {
      i.catalog.tables["public.tb_tag"] = table({ name: col("text") });
      i.catalog.privileges["table public.tb_tag"] = ["SELECT TO PUBLIC"];
    },
    desired: () => {},
    allow: ["data-loss"],
    up: { main: ["DROP TABLE public.tb_tag"] },
    down: { main: ["CREATE TABLE public.tb_tag (\n    name text\n)", "GRANT SELECT ON TABLE public.tb_tag TO PUBLIC"] },
    hazards: ["data-loss public.tb_tag (allowed)"],
  },
  {
    name: "a function dropped and created again (new return type) gets its grants back both ways",
    current: (i) => {
      i.catalog.functions["public.f()"] = FN;
      i.facts.functionDefs["public.f()"] = fnDef("integer");
      i.catalog.privileges["function public.f()"] = ["EXECUTE TO app"];
    },
    desired: (i) => {
      i.catalog.functions["public.f()"] = { ...FN, returns: "bigint" };
      i.facts.functionDefs["public.f()"] = fnDef("bigint");
      i.catalog.privileges["function public.f()"] = ["EXECUTE TO app"];
    },
    up: {
      main: [
        "DROP FUNCTION public.f()",
        fnDef("bigint"),
        "REVOKE EXECUTE ON ROUTINE public.f() FROM PUBLIC",
        "GRANT EXECUTE ON ROUTINE public.f() TO app",
      ],
    },
    down: {
      main: [
        "DROP FUNCTION public.f()",
        fnDef("integer"),
        "REVOKE EXECUTE ON ROUTINE public.f() FROM PUBLIC",
        "GRANT EXECUTE ON ROUTINE public.f() TO app",
      ],
    },
  },
  {
    name: "a view rebuilt (a column retyped) is granted again in its CREATE, both ways",
    current: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT pk_user FROM tb_user");
      i.facts.viewColumns["public.v_user"] = ["pk_user integer"];
      i.catalog.privileges["view public.v_user"] = ["SELECT TO app"];
    },
    desired: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT pk_user::bigint AS pk_user FROM tb_user");
      i.facts.viewColumns["public.v_user"] = ["pk_user bigint"];
      i.catalog.privileges["view public.v_user"] = ["SELECT TO app", "SELECT TO PUBLIC"];
    },
    up: {
      main: [
        "DROP VIEW public.v_user",
        "CREATE VIEW public.v_user AS\nSELECT pk_user::bigint AS pk_user FROM tb_user",
        "GRANT SELECT ON TABLE public.v_user TO app",
        "GRANT SELECT ON TABLE public.v_user TO PUBLIC",
      ],
    },
    down: {
      main: [
        "DROP VIEW public.v_user",
        "CREATE VIEW public.v_user AS\nSELECT pk_user FROM tb_user",
        "GRANT SELECT ON TABLE public.v_user TO app",
      ],
    },
  },
  {
    name: "a view replaced in place keeps its grants; a grant added to it is one GRANT",
    current: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT pk_user FROM tb_user");
      i.facts.viewColumns["public.v_user"] = ["pk_user integer"];
    },
    desired: (i) => {
      i.catalog.views["public.v_user"] = view("SELECT pk_user FROM tb_user WHERE pk_user > 0");
      i.facts.viewColumns["public.v_user"] = ["pk_user integer"];
      i.catalog.privileges["view public.v_user"] = ["SELECT TO PUBLIC"];
    },
    up: {
      main: [
        "CREATE OR REPLACE VIEW public.v_user AS\nSELECT pk_user FROM tb_user WHERE pk_user > 0",
        "GRANT SELECT ON TABLE public.v_user TO PUBLIC",
      ],
    },
  },
  {
    name: "a renamed table and column keep their grants: only the RENAMEs",
    current: (i) => {
      i.catalog.tables["public.tb_person"] = table({ a: col("text") });
      i.catalog.privileges = {
        "table public.tb_person": ["SELECT TO app"],
        "column public.tb_user.name": ["UPDATE TO app"],
      };
    },
    desired: (i) => {
      i.catalog.tables["public.tb_people"] = table({ a: col("text") });
      i.catalog.tables["public.tb_user"].columns = {
        pk_user: i.catalog.tables["public.tb_user"].columns.pk_user,
        display: col("text", {}, 2),
      };
      i.catalog.privileges = {
        "table public.tb_people": ["SELECT TO app"],
        "column public.tb_user.display": ["UPDATE TO app"],
      };
    },
    renames: ["tb_person=tb_people", "tb_user.name=display"],
    up: {
      main: [
        "ALTER TABLE public.tb_person RENAME TO tb_people",
        "ALTER TABLE public.tb_user RENAME COLUMN name TO display",
      ],
    },
  },
];

runCases(CASES);
