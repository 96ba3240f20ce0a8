/**
 * Plan views and materialized views. A view whose output columns stay the same, or only gain
 * columns at the end, is replaced in place (CREATE OR REPLACE VIEW keeps the views over it, its
 * grants and its owner); the down of an append must drop it and the views over it and create
 * them again, since OR REPLACE cannot remove a column. Any other change, or a change to a column
 * it reads, drops a view and its dependents (dependents first) and creates them again after the
 * tables changed (dependencies first).
 *
 * @module
 */
import { sameViewDefinition } from "../catalog/diff.ts";
import type { ViewSnapshot } from "../catalog/types.ts";
import { PHASE, type PlanContext } from "./_context.ts";
import { literal, rel } from "./_names.ts";
import { body, createViewSql, dropViewSql, order } from "./_view_sql.ts";
import { planIndexes } from "./plan_constraints.ts";

/** Plan every view difference; tables and types must be planned first (they mark touched columns). */
export function planViews(ctx: PlanContext): void {
  const cur = ctx.current.catalog.views;
  const want = ctx.desired.catalog.views;
  const curFacts = ctx.current.facts;
  const rebuild = new Set<string>();
  const replace = new Set<string>();
  // Replaced in place in the up, dropped and created again in the down.
  const append = new Set<string>();
  for (const key of Object.keys(want)) {
    const c = cur[key];
    const w = want[key];
    if (!c) continue;
    if (c.kind !== w.kind) rebuild.add(key);
    else if (!sameViewDefinition(c.definition, w.definition)) {
      const before = curFacts.viewColumns[key] ?? [];
      const after = ctx.desired.facts.viewColumns[key] ?? [];
      const kept = before.every((col, i) => after[i] === col);
      if (c.kind !== "view" || !kept) rebuild.add(key);
      else (after.length === before.length ? replace : append).add(key);
    }
  }
  const removed = new Set(Object.keys(cur).filter((k) => !(k in want)));
  const gone = (k: string) => rebuild.has(k) || removed.has(k) || ctx.droppedRelations.has(k);
  // Views reading a touched column, a dropped relation or a rebuilt view are rebuilt too.
  for (let changed = true; changed;) {
    changed = false;
    for (const key of Object.keys(cur)) {
      if (gone(key)) continue;
      const readsTouched = (curFacts.viewColumnDeps[key] ?? []).some((c) => ctx.touchedColumns.has(c));
      if (readsTouched || (curFacts.viewDeps[key] ?? []).some(gone)) {
        rebuild.add(key);
        replace.delete(key);
        append.delete(key);
        changed = true;
      }
    }
  }
  for (const key of rebuild) ctx.rebuiltViews.add(key);
  // The down of an append drops the view: the views over it (kept by the up) go and come back with it.
  const downOnly = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const key of Object.keys(cur)) {
      if (gone(key) || append.has(key) || downOnly.has(key)) continue;
      if ((curFacts.viewDeps[key] ?? []).some((d) => append.has(d) || downOnly.has(d))) {
        downOnly.add(key);
        changed = true;
      }
    }
  }
  const recreatedByDown = (k: string) => append.has(k) || downOnly.has(k);
  for (const key of order([...rebuild, ...removed, ...append, ...downOnly], ctx.current).reverse()) {
    const up = recreatedByDown(key) ? [] : [dropViewSql(key, cur[key])];
    ctx.add("main", PHASE.dropView, key, `drop ${cur[key].kind}`, up, createViewSql(ctx.current, key));
  }
  const created = Object.keys(want).filter((k) =>
    !(k in cur) || rebuild.has(k) || replace.has(k) || recreatedByDown(k)
  );
  for (const key of order(created, ctx.desired)) {
    const w = want[key];
    if (recreatedByDown(key)) {
      const up = replace.has(key) || append.has(key)
        ? [`CREATE OR REPLACE VIEW ${rel(key)} AS\n${body(ctx.desired, key)}`]
        : [];
      ctx.add("main", PHASE.view, key, append.has(key) ? "append view columns" : "keep view", up, [
        dropViewSql(key, cur[key]),
      ]);
      if (up.length && w.comment !== cur[key].comment) viewComment(ctx, key, cur[key], w);
    } else if (replace.has(key)) {
      ctx.add("main", PHASE.view, key, "replace view", [
        `CREATE OR REPLACE VIEW ${rel(key)} AS\n${body(ctx.desired, key)}`,
      ], [
        `CREATE OR REPLACE VIEW ${rel(key)} AS\n${body(ctx.current, key)}`,
      ]);
      if (w.comment !== cur[key].comment) viewComment(ctx, key, cur[key], w);
    } else ctx.add("main", PHASE.view, key, `create ${w.kind}`, createViewSql(ctx.desired, key), [dropViewSql(key, w)]);
  }
  for (const key of Object.keys(want)) {
    const c = cur[key];
    if (!c || rebuild.has(key) || replace.has(key) || append.has(key)) continue;
    if (c.comment !== want[key].comment) viewComment(ctx, key, c, want[key]);
    planIndexes(ctx, key, c.indexes, want[key].indexes, false);
  }
}

function viewComment(ctx: PlanContext, key: string, c: ViewSnapshot, w: ViewSnapshot): void {
  const on = `COMMENT ON ${w.kind === "view" ? "VIEW" : "MATERIALIZED VIEW"} ${rel(key)} IS`;
  ctx.add("main", PHASE.comment, key, "comment", [`${on} ${literal(w.comment)}`], [`${on} ${literal(c.comment)}`]);
}
