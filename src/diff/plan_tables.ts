/**
 * Plan tables: new and dropped tables (in reference order) and, for a table that stays, its
 * kind, partitioning and comment; its columns (`plan_columns.ts`) and what hangs off it
 * (`plan_constraints.ts`) are planned by their own modules, the columns of every table first so
 * that what hangs off a changed column is known (`plan_dependents.ts`).
 *
 * @module
 */
import type { TableSnapshot } from "../catalog/types.ts";
import { allowLint, PHASE, type PlanContext } from "./_context.ts";
import { literal, rel, schemaOf } from "./_names.ts";
import { addConstraintSql, createTableSql, dropConstraintSql, tableExtrasSql } from "./_sql.ts";
import { planColumns } from "./plan_columns.ts";
import { planConstraints, planIndexes, planTriggersAndPolicies } from "./plan_constraints.ts";
import { findDependentsToRebuild } from "./plan_dependents.ts";

const WHY = "written by migrate diff";

/** Plan every table difference. */
export function planTables(ctx: PlanContext): void {
  const cur = ctx.current.catalog.tables;
  const want = ctx.desired.catalog.tables;
  const added = Object.keys(want).filter((k) => !(k in cur))
    // Partition parents before their partitions.
    .sort((a, b) => Number(!!want[a].partitionOf) - Number(!!want[b].partitionOf) || a.localeCompare(b));
  for (const key of added) createTable(ctx, key, want[key]);
  for (const key of dropOrder(cur, Object.keys(cur).filter((k) => !(k in want)))) dropTable(ctx, key, cur[key]);
  const kept = Object.keys(want).filter((k) => k in cur).sort();
  // Columns of every table first: a policy, trigger or foreign key may hang off another table's column.
  for (const key of kept) alterColumns(ctx, key, cur[key], want[key]);
  findDependentsToRebuild(ctx);
  for (const key of kept) alterTableObjects(ctx, key, cur[key], want[key]);
}

function createTable(ctx: PlanContext, key: string, t: TableSnapshot): void {
  ctx.add("main", PHASE.createTable, key, "create table", [createTableSql(key, t)], [`DROP TABLE ${rel(key)}`]);
  for (const [name, c] of Object.entries(t.constraints)) {
    if (c.type !== "foreign key") continue;
    ctx.add(
      "main",
      PHASE.foreignKey,
      `${key}.${name}`,
      "add foreign key",
      [addConstraintSql(key, name, c.definition)],
      [
        dropConstraintSql(key, name),
      ],
    );
  }
  const extras = tableExtrasSql(key, t);
  if (extras.length) ctx.add("main", PHASE.trigger, key, "create table objects", extras, []);
}

function dropTable(ctx: PlanContext, key: string, t: TableSnapshot): void {
  ctx.droppedRelations.add(key);
  for (const c of Object.keys(t.columns)) ctx.touchedColumns.add(`${key}.${c}`);
  const notes = ctx.hazard("data-loss", key, `drops table ${key} and every row in it`);
  const fks = Object.entries(t.constraints).filter(([, c]) => c.type === "foreign key")
    .map(([n, c]) => addConstraintSql(key, n, c.definition));
  ctx.add(
    "main",
    PHASE.dropTable,
    key,
    "drop table",
    [
      `${allowLint("drop-breaks-code", `${WHY} with --allow-hazard data-loss`)}\nDROP TABLE ${rel(key)}`,
    ],
    [createTableSql(key, t), ...fks, ...tableExtrasSql(key, t)],
    notes,
  );
}

// Referencing tables (and partitions) go before what they reference.
function dropOrder(tables: Record<string, TableSnapshot>, keys: string[]): string[] {
  const set = new Set(keys);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    // Whoever references k (or is a partition of k) must be dropped first.
    for (const other of keys) {
      if (other === k) continue;
      const t = tables[other];
      const refs = Object.values(t.constraints).some((c) =>
        c.type === "foreign key" && referencedTable(c.definition, other) === k
      );
      if (refs || t.partitionOf?.parent === k) visit(other);
    }
    out.push(k);
  };
  for (const k of [...set].sort()) visit(k);
  return out;
}

/** The `schema.table` a foreign key definition references (`REFERENCES tb_user(pk_user)`). */
export function referencedTable(definition: string, owner: string): string | undefined {
  const m = /REFERENCES ((?:"(?:[^"]|"")+"|[^\s(."]+)(?:\.(?:"(?:[^"]|"")+"|[^\s(."]+))?)\(/.exec(definition);
  if (!m) return undefined;
  const parts = m[1].match(/"(?:[^"]|"")+"|[^."]+/g)!.map((
    p,
  ) => (p.startsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p));
  return parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${schemaOf(owner)}.${parts[0]}`;
}

function alterColumns(ctx: PlanContext, key: string, c: TableSnapshot, w: TableSnapshot): void {
  if (c.kind !== w.kind || c.partitionKey !== w.partitionKey) {
    ctx.cannot(
      key,
      `${key} changes from ${c.kind} ${c.partitionKey ?? ""} to ${w.kind} ${w.partitionKey ?? ""}`.replace(/\s+/g, " "),
    );
  }
  if (JSON.stringify(c.partitionOf) !== JSON.stringify(w.partitionOf)) {
    ctx.cannot(key, `${key}: attaching, detaching or re-bounding a partition is not planned`);
  }
  planColumns(ctx, key, c, w);
}

function alterTableObjects(ctx: PlanContext, key: string, c: TableSnapshot, w: TableSnapshot): void {
  planConstraints(ctx, key, c, w);
  planIndexes(ctx, key, c.indexes, w.indexes, w.kind === "partitioned table");
  planTriggersAndPolicies(ctx, key, c, w);
  if (c.comment !== w.comment) {
    ctx.add("main", PHASE.comment, key, "comment", [`COMMENT ON TABLE ${rel(key)} IS ${literal(w.comment)}`], [
      `COMMENT ON TABLE ${rel(key)} IS ${literal(c.comment)}`,
    ]);
  }
}
