/**
 * Tests of the planner's entry points: renames (`--rename` and the hints), equal catalogs,
 * usage errors and how changes are rendered into migration files. The per-object-kind tables are
 * in `plan_*_test.ts`.
 */
import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { UsageError } from "../errors.ts";
import { type Case, col, input, runCases, table, view } from "./_plan_test_helpers.ts";
import { planDiff, renderMigrations } from "./plan.ts";

const CASES: Case[] = [
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
];

runCases(CASES);

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
