/**
 * Plan privileges: GRANT and REVOKE for schemas, tables, views, sequences, columns and
 * routines, after everything else is created. An object the up creates gets its grants after
 * it; one the up drops gets them back at the very end of the down, once its down recreated it;
 * a function the up drops and creates again gets them in both directions. Views created or
 * rebuilt carry their grants in their own statements (`_view_sql.ts`). Ownership (OWNER TO) is
 * not compared.
 *
 * @module
 */
import { PHASE, type PlanContext } from "./_context.ts";
import { defaultPrivileges, grantSql, privilegesOf, splitPrivilegeKey } from "./_grant_sql.ts";
import type { PlanInput } from "./types.ts";

/** Plan every privilege difference; the other planners must have run (views mark the rebuilt ones). */
export function planPrivileges(ctx: PlanContext): void {
  const keys = new Set([
    ...Object.keys(ctx.current.catalog.privileges ?? {}),
    ...Object.keys(ctx.desired.catalog.privileges ?? {}),
  ]);
  const recreated = new Set(
    ctx.changes.filter((c) => c.phase === PHASE.dropFunctionForRecreate).map((c) => c.object),
  );
  for (const key of [...keys].sort()) {
    const [kind, name] = splitPrivilegeKey(key);
    const inCurrent = exists(ctx.current, kind, name);
    const inDesired = exists(ctx.desired, kind, name);
    const cur = privilegesOf(ctx.current, key);
    const want = privilegesOf(ctx.desired, key);
    const byDefault = defaultPrivileges(kind);
    if (kind === "view" || kind === "materialized view") {
      // Created, dropped or rebuilt views grant in their CREATE; replaced ones keep their grants.
      if (!inCurrent || !inDesired || ctx.rebuiltViews.has(name)) continue;
    }
    if (inCurrent && inDesired && !recreated.has(name)) {
      const up = grantSql(key, cur, want);
      if (up.length) ctx.add("main", PHASE.grant, key, "privileges", up, grantSql(key, want, cur));
      continue;
    }
    if (inDesired) {
      const up = grantSql(key, byDefault, want);
      if (up.length) ctx.add("main", PHASE.grant, key, "privileges", up, []);
    }
    if (inCurrent) {
      // The down recreates the object with PostgreSQL's defaults: its grants come back last.
      const down = grantSql(key, byDefault, cur);
      if (down.length) ctx.add("main", PHASE.regrant, key, "privileges", [], down);
    }
  }
}

function exists(input: PlanInput, kind: string, name: string): boolean {
  const c = input.catalog;
  switch (kind) {
    case "schema":
      return c.schemas.includes(name);
    case "table":
      return name in c.tables;
    case "view":
    case "materialized view":
      return name in c.views;
    case "sequence":
      return name in c.sequences;
    case "column": {
      const dot = name.lastIndexOf(".");
      return name.slice(dot + 1) in (c.tables[name.slice(0, dot)]?.columns ?? {});
    }
    default:
      return name in c.functions;
  }
}
