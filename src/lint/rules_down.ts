/**
 * Static reversibility: which objects an up migration creates that its down migration does not
 * drop. It models what PostgreSQL drops along: a table or materialized view takes its indexes,
 * triggers, columns, constraints and the sequences OWNED BY its columns; DROP COLUMN takes the
 * indexes, constraints and owned sequences on that column; DROP SCHEMA takes what was created
 * in it, by qualified name or after a `SET search_path`. Temporary objects (TEMP tables,
 * `pg_temp.*`) are not schema objects, and a `CREATE … IF NOT EXISTS` of something an earlier
 * migration created (or the database has) creates nothing. The aim: agree with
 * `verify-reversible`, which compares the catalogs.
 *
 * @module
 */
import { nameList, qualifiedName, rangeVarName, type RelName, sameRel, showRel, walk } from "./ast.ts";
import type { ParsedSql } from "./parse_sql.ts";
import type { Node, Statement } from "../sql/split.ts";
import type { RawFinding } from "./rule_context.ts";
import { searchPathAfter } from "./search_path.ts";

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
  /** The table a trigger, column, constraint or index belongs to, or a sequence is OWNED BY. */
  on?: RelName;
  /** The columns of `on` it depends on: DROP COLUMN of any of them drops it. */
  columns?: string[];
  stmt: Statement;
  /** CREATE OR REPLACE: a down that re-creates it (the old version) also undoes it. */
  replace?: boolean;
  /** CREATE … IF NOT EXISTS (ADD COLUMN IF NOT EXISTS): nothing is created when it exists. */
  ifNotExists?: boolean;
  /** A temporary object: gone with the session, never the down's business. */
  temp?: boolean;
}

/** What exists before a migration: objects of earlier migrations, and live extensions. */
export interface PriorObjects {
  objects: readonly CreatedObject[];
  extensionExists?: (name: string) => boolean;
}

function isTempRel(rv: Node | undefined): boolean {
  return rv?.relpersistence === "t" || rv?.schemaname === "pg_temp";
}

/** Column names referenced anywhere under `node` (index expressions, CHECK expressions). */
function columnRefs(node: unknown): string[] {
  const out: string[] = [];
  walk(node, (key, value) => {
    if (key === "ColumnRef") {
      const names = nameList(value.fields);
      if (names.length) out.push(names[names.length - 1]);
    }
    if (key === "IndexElem" && value.name) out.push(value.name);
  });
  return out;
}

function ownedBy(options: Node[] | undefined): { on: RelName; columns: string[] } | null | undefined {
  const owned = (options ?? []).find((o) => o.DefElem?.defname === "owned_by")?.DefElem;
  if (!owned) return undefined;
  const names = nameList(owned.arg?.List?.items);
  if (names.length < 2) return null; // OWNED BY NONE
  return { on: toRel(names.slice(0, -1)), columns: [names.at(-1)!] };
}

/** Objects created by `stmt` (top level only). */
export function createdBy(stmt: Statement): CreatedObject[] {
  const n = stmt.node;
  const one = (kind: ObjectKind, rel: RelName | undefined, extra: Partial<CreatedObject> = {}) =>
    rel ? [{ kind, rel, stmt, ...(n.if_not_exists ? { ifNotExists: true } : {}), ...extra }] : [];
  switch (stmt.type) {
    case "CreateStmt":
      return one("table", rangeVarName(n.relation), { temp: isTempRel(n.relation) });
    case "CreateTableAsStmt":
      return one(n.objtype === "OBJECT_MATVIEW" ? "materialized view" : "table", rangeVarName(n.into?.rel), {
        temp: isTempRel(n.into?.rel),
      });
    case "ViewStmt":
      return one("view", rangeVarName(n.view), { replace: Boolean(n.replace), temp: isTempRel(n.view) });
    case "CreateSeqStmt":
      return one("sequence", rangeVarName(n.sequence), { temp: isTempRel(n.sequence), ...ownedBy(n.options) });
    case "IndexStmt": {
      const table = rangeVarName(n.relation);
      if (!table) return [];
      return one("index", { schema: table.schema, name: n.idxname ?? defaultIndexName(table.name, n.indexParams) }, {
        on: table,
        columns: columnRefs([n.indexParams, n.whereClause]),
        temp: isTempRel(n.relation),
      });
    }
    case "CreateFunctionStmt": {
      const fn = qualifiedName(n.funcname);
      return one("function", fn, { replace: Boolean(n.replace), temp: fn?.schema === "pg_temp" });
    }
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
          const col = c.def.ColumnDef.colname;
          out.push({ kind: "column", rel: { name: col }, on: table, stmt, ifNotExists: Boolean(c.missing_ok) });
        }
        const k = c?.subtype === "AT_AddConstraint" ? c.def?.Constraint : undefined;
        if (k?.conname) {
          const columns = [...nameList(k.keys), ...nameList(k.fk_attrs), ...columnRefs([k.raw_expr, k.exclusions])];
          out.push({ kind: "constraint", rel: { name: k.conname }, on: table, columns, stmt });
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
        objects = gone((o) =>
          (o.kind === kind && o.rel.name === name) ||
          (kind === "schema" && (o.rel.schema === name || o.on?.schema === name))
        );
        continue;
      }
      if (kind === "trigger") {
        const table = toRel(names.slice(0, -1));
        objects = gone((o) => o.kind === "trigger" && o.rel.name === names.at(-1) && !!o.on && sameRel(o.on, table));
        continue;
      }
      const rel = toRel(names);
      // A relation takes along what hangs on it: indexes, triggers, columns, owned sequences.
      const holds = kind === "table" || kind === "materialized view" || kind === "view";
      objects = gone((o) => (o.kind === kind && sameRel(o.rel, rel)) || (holds && !!o.on && sameRel(o.on, rel)));
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
      // DROP COLUMN takes the indexes, constraints and OWNED BY sequences on that column.
      if (kind === "column") objects = gone((o) => !!o.on && sameRel(o.on, table) && !!o.columns?.includes(c.name));
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

/** `ALTER SEQUENCE … OWNED BY` in the up: the sequence now goes with that column. */
function applyOwnership(objects: CreatedObject[], stmt: Statement): CreatedObject[] {
  const owned = stmt.type === "AlterSeqStmt" ? ownedBy(stmt.node.options) : undefined;
  const seq = rangeVarName(stmt.node.sequence);
  if (owned === undefined || !seq) return objects;
  return objects.map((o) => {
    if (o.kind !== "sequence" || !sameRel(o.rel, seq)) return o;
    const { on: _on, columns: _columns, ...rest } = o;
    return owned ? { ...rest, ...owned } : rest;
  });
}

function sameObject(a: CreatedObject, b: CreatedObject): boolean {
  return a.kind === b.kind && sameRel(a.rel, b.rel) && (!a.on || !b.on || sameRel(a.on, b.on));
}

/** An unqualified object created while search_path starts with `schema` lives in that schema. */
function inSchema(o: CreatedObject, schema: string | undefined): CreatedObject {
  if (!schema || o.kind === "schema" || o.kind === "extension") return o;
  const on = o.on && !o.on.schema ? { ...o.on, schema } : o.on;
  const rel = o.kind !== "column" && o.kind !== "constraint" && !o.rel.schema ? { ...o.rel, schema } : o.rel;
  return { ...o, rel, on };
}

/**
 * The schema objects `up` leaves behind (what its down must drop), given what existed before
 * it. Temporary objects, and what hangs on them, are left out.
 */
export function upObjects(up: ParsedSql, prior: PriorObjects = { objects: [] }): CreatedObject[] {
  let objects: CreatedObject[] = [];
  let schema: string | undefined;
  const existed = (c: CreatedObject) =>
    (c.kind === "extension" && !!prior.extensionExists?.(c.rel.name)) ||
    prior.objects.some((o) => sameObject(o, c)) || objects.some((o) => sameObject(o, c));
  for (const stmt of up.statements) {
    const path = searchPathAfter(stmt);
    if (path !== undefined) schema = path ?? undefined;
    const made = createdBy(stmt).map((c) => inSchema(c, schema)).filter((c) => !(c.ifNotExists && existed(c)));
    objects = [...applyOwnership(applyRenames(applyDrops(objects, stmt), stmt), stmt), ...made];
  }
  const temps = objects.filter((o) => o.temp);
  return objects.filter((o) => !o.temp && !(o.on && temps.some((t) => sameRel(t.rel, o.on!))));
}

/** What exists after `up` ran on top of `prior` (for the next migration of the chain). */
export function afterUp(up: ParsedSql, prior: PriorObjects): CreatedObject[] {
  let objects = [...prior.objects];
  for (const stmt of up.statements) objects = applyRenames(applyDrops(objects, stmt), stmt);
  return [...objects, ...upObjects(up, prior)];
}

/**
 * Findings for a migration's reversibility: missing down, or objects the down leaves behind.
 * `prior` is what earlier migrations of the chain created (and the live extensions).
 */
export function checkReversibility(up: ParsedSql, down: ParsedSql | undefined, prior?: PriorObjects): RawFinding[] {
  if (!down) return [{ rule: "missing-down", stmt: up.statements[0], message: `${up.file} has no .down.sql` }];
  let objects = upObjects(up, prior);
  for (const stmt of down.statements) objects = applyDrops(objects, stmt);
  const opaque = down.statements.some((s) => OPAQUE.has(s.type));
  return objects.map((o) => ({
    rule: "down-incomplete",
    stmt: o.stmt,
    uncertain: opaque,
    message:
      `${o.kind} ${o.on && o.kind !== "index" && o.kind !== "sequence" ? `${showRel(o.on)}.` : ""}${
        showRel(o.rel)
      } created here is not ` +
      `dropped by ${down.file}${opaque ? " (as far as can be read: the down file runs code that may drop it)" : ""}`,
  }));
}
