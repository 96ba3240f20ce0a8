/**
 * Static reversibility: which objects an up migration creates that its down migration does not
 * drop. Dropping a table removes what hangs on it (indexes, triggers, columns, constraints);
 * dropping a schema removes what was created in it by qualified name.
 *
 * @module
 */
import { nameList, qualifiedName, rangeVarName, type RelName, sameRel, showRel } from "./ast.ts";
import type { Node, ParsedSql, Statement } from "./parse_sql.ts";
import type { RawFinding } from "./rule_context.ts";

/** Kinds of object tracked between up and down. */
export type ObjectKind =
  | "table"
  | "index"
  | "view"
  | "materialized view"
  | "sequence"
  | "function"
  | "type"
  | "schema"
  | "extension"
  | "trigger"
  | "column"
  | "constraint";

/** An object created by an up migration. */
export interface CreatedObject {
  kind: ObjectKind;
  rel: RelName;
  /** The table a trigger, column, constraint or index belongs to. */
  on?: RelName;
  stmt: Statement;
  /** CREATE OR REPLACE: a down that re-creates it (the old version) also undoes it. */
  replace?: boolean;
}

/** Objects created by `stmt` (top level only). */
export function createdBy(stmt: Statement): CreatedObject[] {
  const n = stmt.node;
  const one = (kind: ObjectKind, rel: RelName | undefined, extra: Partial<CreatedObject> = {}) =>
    rel ? [{ kind, rel, stmt, ...extra }] : [];
  switch (stmt.type) {
    case "CreateStmt":
      return one("table", rangeVarName(n.relation));
    case "CreateTableAsStmt":
      return one(n.objtype === "OBJECT_MATVIEW" ? "materialized view" : "table", rangeVarName(n.into?.rel));
    case "ViewStmt":
      return one("view", rangeVarName(n.view), { replace: Boolean(n.replace) });
    case "CreateSeqStmt":
      return one("sequence", rangeVarName(n.sequence));
    case "IndexStmt": {
      const table = rangeVarName(n.relation);
      if (!table) return [];
      return one("index", { schema: table.schema, name: n.idxname ?? defaultIndexName(table.name, n.indexParams) }, {
        on: table,
      });
    }
    case "CreateFunctionStmt":
      return one("function", qualifiedName(n.funcname), { replace: Boolean(n.replace) });
    case "CreateEnumStmt":
    case "CreateRangeStmt":
      return one("type", qualifiedName(n.typeName));
    case "CreateDomainStmt":
      return one("type", qualifiedName(n.domainname));
    case "CompositeTypeStmt":
      return one("type", rangeVarName(n.typevar));
    case "CreateSchemaStmt":
      return one("schema", n.schemaname ? { name: n.schemaname } : undefined);
    case "CreateExtensionStmt":
      return one("extension", { name: n.extname });
    case "CreateTrigStmt": {
      const table = rangeVarName(n.relation);
      return one("trigger", table && { schema: table.schema, name: n.trigname }, {
        on: table,
        replace: Boolean(n.replace),
      });
    }
    case "AlterTableStmt": {
      const table = rangeVarName(n.relation);
      if (!table || n.objtype !== "OBJECT_TABLE") return [];
      const out: CreatedObject[] = [];
      for (const { AlterTableCmd: c } of n.cmds ?? []) {
        if (c?.subtype === "AT_AddColumn" && c.def?.ColumnDef?.colname) {
          out.push({ kind: "column", rel: { name: c.def.ColumnDef.colname }, on: table, stmt });
        }
        if (c?.subtype === "AT_AddConstraint" && c.def?.Constraint?.conname) {
          out.push({ kind: "constraint", rel: { name: c.def.Constraint.conname }, on: table, stmt });
        }
      }
      return out;
    }
  }
  return [];
}

/** PostgreSQL's name for an unnamed index: `{table}_{columns}_idx` (truncation ignored). */
function defaultIndexName(table: string, params: Node[] | undefined): string {
  const cols = (params ?? []).map((p) => p.IndexElem?.name ?? "expr");
  return `${table}_${cols.join("_")}_idx`;
}

const DROP_KINDS: Record<string, ObjectKind> = {
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_VIEW: "view",
  OBJECT_MATVIEW: "materialized view",
  OBJECT_SEQUENCE: "sequence",
  OBJECT_FUNCTION: "function",
  OBJECT_PROCEDURE: "function",
  OBJECT_ROUTINE: "function",
  OBJECT_TYPE: "type",
  OBJECT_DOMAIN: "type",
  OBJECT_SCHEMA: "schema",
  OBJECT_EXTENSION: "extension",
  OBJECT_TRIGGER: "trigger",
};

/** Remove from `objects` what `stmt` drops (or re-creates, for CREATE OR REPLACE objects). */
export function applyDrops(objects: CreatedObject[], stmt: Statement): CreatedObject[] {
  const n = stmt.node;
  const gone = (pred: (o: CreatedObject) => boolean) => objects.filter((o) => !pred(o));
  if (stmt.type === "DropStmt") {
    const kind = DROP_KINDS[n.removeType];
    if (!kind) return objects;
    for (const obj of n.objects ?? []) {
      const names = dropNames(obj);
      if (names.length === 0) continue;
      if (kind === "schema" || kind === "extension") {
        const name = names[0];
        objects = gone((o) => (o.kind === kind && o.rel.name === name) || (kind === "schema" && o.rel.schema === name));
        continue;
      }
      if (kind === "trigger") {
        const table = toRel(names.slice(0, -1));
        objects = gone((o) => o.kind === "trigger" && o.rel.name === names.at(-1) && !!o.on && sameRel(o.on, table));
        continue;
      }
      const rel = toRel(names);
      objects = gone((o) =>
        (o.kind === kind && sameRel(o.rel, rel)) || (kind === "table" && !!o.on && sameRel(o.on, rel))
      );
    }
    return objects;
  }
  if (stmt.type === "AlterTableStmt") {
    const table = rangeVarName(n.relation);
    if (!table) return objects;
    for (const { AlterTableCmd: c } of n.cmds ?? []) {
      const kind = c?.subtype === "AT_DropColumn"
        ? "column"
        : c?.subtype === "AT_DropConstraint"
        ? "constraint"
        : undefined;
      if (kind) objects = gone((o) => o.kind === kind && o.rel.name === c.name && !!o.on && sameRel(o.on, table));
    }
    return objects;
  }
  // A down that re-creates a replaced function or view restores it.
  for (const c of createdBy(stmt)) {
    objects = gone((o) => !!o.replace && o.kind === c.kind && sameRel(o.rel, c.rel));
  }
  return objects;
}

function dropNames(obj: Node): string[] {
  if (obj.String) return [obj.String.sval];
  if (obj.List) return nameList(obj.List.items);
  if (obj.ObjectWithArgs) return nameList(obj.ObjectWithArgs.objname);
  if (obj.TypeName) return nameList(obj.TypeName.names);
  return [];
}

function toRel(names: string[]): RelName {
  const name = names.at(-1) ?? "";
  return names.length > 1 ? { schema: names.at(-2), name } : { name };
}

const RENAMED_KINDS: Record<string, ObjectKind> = {
  OBJECT_TABLE: "table",
  OBJECT_INDEX: "index",
  OBJECT_VIEW: "view",
  OBJECT_MATVIEW: "materialized view",
  OBJECT_SEQUENCE: "sequence",
  OBJECT_COLUMN: "column",
  OBJECT_TABCONSTRAINT: "constraint",
  OBJECT_TRIGGER: "trigger",
};

/** Follow renames in the up file, so the down is expected to drop the new name. */
function applyRenames(objects: CreatedObject[], stmt: Statement): CreatedObject[] {
  const n = stmt.node;
  const kind = stmt.type === "RenameStmt" ? RENAMED_KINDS[n.renameType] : undefined;
  const rel = rangeVarName(n.relation);
  if (!kind || !rel || !n.newname) return objects;
  return objects.map((o) => {
    const onTable = o.on && sameRel(o.on, rel);
    if (kind === "table" && onTable) return { ...o, on: { ...o.on!, name: n.newname } };
    if (["column", "constraint", "trigger"].includes(kind)) {
      return o.kind === kind && onTable && o.rel.name === n.subname ? { ...o, rel: { ...o.rel, name: n.newname } } : o;
    }
    return o.kind === kind && sameRel(o.rel, rel) ? { ...o, rel: { ...o.rel, name: n.newname } } : o;
  });
}

// Statements whose effect cannot be read statically (they may drop anything).
const OPAQUE = new Set(["DoStmt", "CallStmt", "ExecuteStmt", "SelectStmt"]);

/** Findings for a migration's reversibility: missing down, or objects the down leaves behind. */
export function checkReversibility(up: ParsedSql, down: ParsedSql | undefined): RawFinding[] {
  if (!down) return [{ rule: "missing-down", stmt: up.statements[0], message: `${up.file} has no .down.sql` }];
  let objects: CreatedObject[] = [];
  for (const stmt of up.statements) objects = [...applyRenames(applyDrops(objects, stmt), stmt), ...createdBy(stmt)];
  for (const stmt of down.statements) objects = applyDrops(objects, stmt);
  const opaque = down.statements.some((s) => OPAQUE.has(s.type));
  return objects.map((o) => ({
    rule: "down-incomplete",
    stmt: o.stmt,
    uncertain: opaque,
    message:
      `${o.kind} ${o.on && o.kind !== "index" ? `${showRel(o.on)}.` : ""}${showRel(o.rel)} created here is not ` +
      `dropped by ${down.file}${opaque ? " (as far as can be read: the down file runs code that may drop it)" : ""}`,
  }));
}
