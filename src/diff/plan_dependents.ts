/**
 * What must be dropped before a column changes and created again after, although the desired
 * state keeps it as it is. PostgreSQL refuses ALTER COLUMN … TYPE and DROP COLUMN under a policy
 * or a trigger that uses the column; it rebuilds indexes and constraints on a retyped column by
 * itself, but DROP COLUMN takes them along silently, so a column dropped and added again (a
 * generated column whose expression changes) needs them back; and an enum rebuilt under a column
 * breaks the ones that write a literal of it. Which object uses which column
 * comes from the catalog's dependencies (`pg_depend`, read by `facts.ts`), not from their text.
 * Module-private to the planner.
 *
 * @module
 */
import type { PlanContext } from "./_context.ts";
import { parseFormatType } from "./column_type.ts";
import type { DependentKind, PlanInput } from "./types.ts";

/** Fill `ctx.rebuild` from the columns the table planners marked; columns must be planned first. */
export function findDependentsToRebuild(ctx: PlanContext): void {
  const deps = ctx.current.facts.objectColumns;
  if (!deps) return;
  const mark = (kind: DependentKind, key: string) => ctx.rebuild.add(`${kind} ${key}`);
  for (const kind of ["policy", "trigger"] as const) {
    for (const [key, cols] of Object.entries(deps[kind])) {
      if (cols.some((c) => ctx.touchedColumns.has(c))) mark(kind, key);
    }
  }
  const swapped = [...ctx.retypedColumns].filter((c) => typeOf(ctx, "current", c) === typeOf(ctx, "desired", c));
  for (const kind of ["index", "constraint"] as const) {
    for (const [key, cols] of Object.entries(deps[kind])) {
      if (
        cols.some((c) => ctx.rebuiltColumns.has(c)) || (kind === "constraint" && keyTypesDiverge(ctx, key, cols))
      ) mark(kind, key);
    }
  }
  for (const u of enumLiteralUsers(ctx.current, swapped)) mark(u.kind, `${u.table}.${u.name}`);
}

/**
 * The indexes and constraints of `input` that use one of `columns` and write a literal of its
 * type (`'sad'::mood`): an enum rebuilt by renaming the old type away breaks them, since
 * PostgreSQL rebuilds them from their text, which then names the old type.
 */
export function enumLiteralUsers(
  input: PlanInput,
  columns: readonly string[],
): { kind: "index" | "constraint"; table: string; name: string; definition: string }[] {
  const out: { kind: "index" | "constraint"; table: string; name: string; definition: string }[] = [];
  const deps = input.facts.objectColumns;
  if (!deps) return out;
  for (const kind of ["index", "constraint"] as const) {
    for (const [key, cols] of Object.entries(deps[kind])) {
      const dot = key.lastIndexOf(".");
      const [table, name] = [key.slice(0, dot), key.slice(dot + 1)];
      const t = input.catalog.tables[table];
      const definition = (kind === "index" ? t?.indexes[name] : t?.constraints[name])?.definition;
      if (!definition) continue;
      const hit = cols.filter((c) => columns.includes(c)).some((c) => {
        const type = columnType(input, c)?.replace(/\[\]$/, "");
        return type !== undefined && new RegExp(`::${escape(type)}(?![\\w$"])`).test(definition);
      });
      if (hit) out.push({ kind, table, name, definition });
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function columnType(input: PlanInput, column: string): string | undefined {
  const dot = column.lastIndexOf(".");
  return input.catalog.tables[column.slice(0, dot)]?.columns[column.slice(dot + 1)]?.type;
}

function typeOf(ctx: PlanContext, side: "current" | "desired", column: string): string | undefined {
  return columnType(ctx[side], column);
}

/** Whether `kind` `schema.table.name` must be rebuilt around the column changes. */
export function mustRebuild(ctx: PlanContext, kind: DependentKind, table: string, name: string): boolean {
  return ctx.rebuild.has(`${kind} ${table}.${name}`);
}

// A foreign key whose columns change type on both sides is rebuilt when a type leaves its family
// (integer → text): after the first ALTER the two sides no longer match and PostgreSQL refuses.
// Within a family (int → bigint, varchar(n) → text) it rebuilds the key itself.
function keyTypesDiverge(ctx: PlanContext, key: string, cols: string[]): boolean {
  const retyped = cols.filter((c) => ctx.retypedColumns.has(c));
  if (retyped.length < 2) return false;
  const [table, name] = [key.slice(0, key.lastIndexOf(".")), key.slice(key.lastIndexOf(".") + 1)];
  if (ctx.current.catalog.tables[table]?.constraints[name]?.type !== "foreign key") return false;
  return retyped.some((c) => {
    const [from, to] = [typeOf(ctx, "current", c), typeOf(ctx, "desired", c)];
    // The same type name retyped is an enum rebuilt under it (or a new collation): old and new differ.
    return from === undefined || to === undefined || from === to || family(from) !== family(to);
  });
}

const FAMILIES: Record<string, string> = {
  int2: "integer",
  int4: "integer",
  int8: "integer",
  varchar: "text",
  bpchar: "text",
  text: "text",
  float4: "float",
  float8: "float",
  timestamp: "timestamp",
  timestamptz: "timestamp",
};

function family(type: string): string {
  const t = parseFormatType(type);
  return `${FAMILIES[t.name] ?? t.name}${t.isArray ? "[]" : ""}`;
}
