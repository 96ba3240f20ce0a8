/**
 * View SQL shared by the view and enum planners: create (with comment and grants) and drop
 * statements, dependency order, and the views a set of columns carries. Module-private.
 *
 * @module
 */
import type { ViewSnapshot } from "../catalog/types.ts";
import { grantSql } from "./_grant_sql.ts";
import { literal, rel } from "./_names.ts";
import type { PlanInput } from "./types.ts";

// The body as PostgreSQL lays it out, when read; else the snapshot's one-line form.
export function body(input: PlanInput, key: string): string {
  return input.facts.viewDefs[key] ?? input.catalog.views[key].definition;
}

export function createViewSql(input: PlanInput, key: string): string[] {
  const v = input.catalog.views[key];
  const kind = v.kind === "view" ? "VIEW" : "MATERIALIZED VIEW";
  const out = [`CREATE ${kind} ${rel(key)} AS\n${body(input, key)}`];
  for (const i of Object.values(v.indexes)) out.push(i.definition);
  if (v.comment !== null) out.push(`COMMENT ON ${kind} ${rel(key)} IS ${literal(v.comment)}`);
  // A view starts with no grants but its owner's: what it had is granted again.
  const privileges = `${v.kind} ${key}`;
  out.push(...grantSql(privileges, [], input.catalog.privileges?.[privileges] ?? []));
  return out;
}

export function dropViewSql(key: string, v: ViewSnapshot): string {
  return `DROP ${v.kind === "view" ? "VIEW" : "MATERIALIZED VIEW"} ${rel(key)}`;
}

// Dependencies first, by what each view reads in `input`.
export function order(keys: string[], input: PlanInput): string[] {
  const set = new Set(keys);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const d of input.facts.viewDeps[k] ?? []) if (set.has(d)) visit(d);
    out.push(k);
  };
  for (const k of [...set].sort()) visit(k);
  return out;
}

/** Views of `input` reading any of `columns` (`schema.table.column`), with every view built on them, dependencies first. */
export function viewsReading(input: PlanInput, columns: ReadonlySet<string>): string[] {
  const hit = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const key of Object.keys(input.catalog.views)) {
      if (hit.has(key)) continue;
      const reads = (input.facts.viewColumnDeps[key] ?? []).some((c) => columns.has(c)) ||
        (input.facts.viewDeps[key] ?? []).some((d) => hit.has(d));
      if (reads) {
        hit.add(key);
        changed = true;
      }
    }
  }
  return order([...hit], input);
}
