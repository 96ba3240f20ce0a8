/**
 * Shared by the planner's table-driven tests (`plan*_test.ts`): builders for catalog snapshots
 * and the one runner that plans a case and compares statements per stage, hazards, unsupported
 * changes and rename hints. Exists so each object kind's cases can live in a file of their own.
 *
 * @module
 */
import { assertEquals } from "../../tests/_helpers/assert.ts";
import type { ViewSnapshot } from "../catalog/types.ts";
import { col, table } from "../catalog/_snapshot_builders.ts";

export { col, table };
import { emptyPlanInput } from "./facts.ts";
import { planDiff } from "./plan.ts";
import type { DependentKind, HazardKind, PlanInput, Stage } from "./types.ts";

/** The table every case starts from: `public.tb_user (pk_user integer PRIMARY KEY, name text)`. */
export const USER = () =>
  table({ pk_user: col("integer", { nullable: false }), name: col("text", {}, 2) }, {
    constraints: { tb_user_pkey: { type: "primary key", definition: "PRIMARY KEY (pk_user)" } },
  });

/** A plan input holding `USER`, then edited. */
export function input(edit: (i: PlanInput) => void = () => {}): PlanInput {
  const i = emptyPlanInput();
  i.catalog.tables["public.tb_user"] = USER();
  edit(i);
  return i;
}

/** A view snapshot. */
export function view(definition: string, kind: ViewSnapshot["kind"] = "view"): ViewSnapshot {
  return { kind, definition, indexes: {}, comment: null };
}

/** One row of a planner table. */
export interface Case {
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

/** Statements without the allow directives and hazard comments they carry. */
export const bare = (sql: string) => sql.split("\n").filter((l) => !l.startsWith("-- confiture:allow")).join("\n");

/** Register one `Deno.test` per case. */
export function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
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
}

/** Record that `kind` `table.name` uses `columns` (`table.column` under public), as `pg_depend` says. */
export function uses(i: PlanInput, kind: DependentKind, key: string, columns: string[]): void {
  i.facts.objectColumns![kind][`public.${key}`] = columns.map((c) => `public.${c}`);
}

/** A policy for everyone, without WITH CHECK. */
export const POLICY = { command: "all" as const, permissive: true, roles: ["public"], check: null };

/** A `BEFORE UPDATE [OF …]` row trigger on tb_user. */
export const TRIGGER = (name: string, when: string) => ({
  definition: `CREATE TRIGGER ${name} BEFORE UPDATE ${when} ON public.tb_user FOR EACH ROW EXECUTE FUNCTION f()`,
  enabled: "origin",
});
