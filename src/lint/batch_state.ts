/**
 * What the migrations linted so far in one batch have created: relations that are new (tables,
 * partitions, sequences, views, materialized views, indexes, foreign tables: locking them hurts
 * nobody), column types, CHECK (col IS NOT NULL) constraints and function volatility. Updated
 * after each statement, in order.
 *
 * @module
 */
import { type ColumnType, columnType, nameList, qualifiedName, rangeVarName, type RelName, sameRel } from "./ast.ts";
import type { Node, Statement } from "../sql/split.ts";

/** A CHECK or FOREIGN KEY constraint added in the batch. */
export interface BatchConstraint {
  rel: RelName;
  name?: string;
  /** The column of a `CHECK (column IS NOT NULL)`. */
  column?: string;
  valid: boolean;
  /** The transaction (`version#segment`) that added it, and the one that validated it. */
  addedIn: string;
  validatedIn?: string;
}

/** State shared by the migrations of one batch, in order. */
export class BatchState {
  // By relation name: a batch of a thousand migrations asks this for every statement.
  readonly #newRelations = new Map<string, RelName[]>();
  readonly #columns: { rel: RelName; column: string; type: ColumnType }[] = [];
  readonly #checks: BatchConstraint[] = [];
  readonly #functions = new Map<string, "v" | "s" | "i">();

  #addNewRelation(rel: RelName): void {
    const same = this.#newRelations.get(rel.name);
    if (same) same.push(rel);
    else this.#newRelations.set(rel.name, [rel]);
  }

  /**
   * Whether the relation (a table, sequence, view, index…) was created earlier in this batch:
   * nobody else can be using it, so no lock on it waits or blocks.
   */
  isNewRelation(rel: RelName): boolean {
    return this.#newRelations.get(rel.name)?.some((t) => sameRel(t, rel)) ?? false;
  }

  /** The column's type as declared earlier in the batch. */
  columnType(rel: RelName, column: string): ColumnType | undefined {
    for (let i = this.#columns.length - 1; i >= 0; i--) {
      const c = this.#columns[i];
      if (c.column === column && sameRel(c.rel, rel)) return c.type;
    }
    return undefined;
  }

  /** Whether a validated CHECK (column IS NOT NULL) was added in the batch. */
  hasValidNotNullCheck(rel: RelName, column: string): boolean {
    return this.#checks.some((c) => c.valid && c.column === column && sameRel(c.rel, rel));
  }

  /** The constraint with this name added earlier in the batch. */
  constraint(rel: RelName, name: string): BatchConstraint | undefined {
    return this.#checks.find((c) => c.name === name && sameRel(c.rel, rel));
  }

  /** Volatility of a function created in the batch. */
  volatility(fn: string): "v" | "s" | "i" | undefined {
    return this.#functions.get(fn);
  }

  /** Take note of what `stmt` creates, alters or drops; `where` names its transaction (`version#segment`). */
  record(stmt: Statement, where: string): void {
    const n = stmt.node;
    const created = createdRelation(stmt);
    if (created) this.#addNewRelation(created);
    switch (stmt.type) {
      case "CreateStmt":
      case "CreateForeignTableStmt": {
        const table = stmt.type === "CreateStmt" ? n : n.base ?? {};
        const rel = rangeVarName(table.relation);
        if (!rel) return;
        for (const elt of table.tableElts ?? []) {
          if (elt.ColumnDef) this.#addColumn(rel, elt.ColumnDef);
          if (elt.Constraint) this.#addConstraint(rel, elt.Constraint, where);
        }
        return;
      }
      case "AlterTableStmt": {
        const rel = rangeVarName(n.relation);
        if (!rel) return;
        for (const { AlterTableCmd: cmd } of n.cmds ?? []) {
          if (!cmd) continue;
          if (cmd.subtype === "AT_AddColumn" && cmd.def?.ColumnDef) this.#addColumn(rel, cmd.def.ColumnDef);
          if (cmd.subtype === "AT_AlterColumnType") {
            const type = columnType(cmd.def?.ColumnDef?.typeName);
            if (type) this.#columns.push({ rel, column: cmd.name, type });
          }
          if (cmd.subtype === "AT_AddConstraint" && cmd.def?.Constraint) {
            this.#addConstraint(rel, cmd.def.Constraint, where);
          }
          if (cmd.subtype === "AT_ValidateConstraint") {
            const c = this.constraint(rel, cmd.name);
            if (c) [c.valid, c.validatedIn] = [true, where];
          }
        }
        return;
      }
      case "RenameStmt":
        // ALTER TABLE|SEQUENCE|VIEW|INDEX … RENAME TO: the new name is just as new.
        if (RELATION_KINDS.has(n.renameType)) {
          this.#moveNewRelation(rangeVarName(n.relation), (r) => ({ ...r, name: n.newname }));
        }
        return;
      case "AlterObjectSchemaStmt":
        // ALTER TABLE|SEQUENCE|VIEW … SET SCHEMA.
        if (RELATION_KINDS.has(n.objectType)) {
          this.#moveNewRelation(rangeVarName(n.relation), (r) => ({ ...r, schema: n.newschema }));
        }
        return;
      case "CreateFunctionStmt": {
        const name = qualifiedName(n.funcname)?.name;
        const v = (n.options ?? []).find((o: Node) => o.DefElem?.defname === "volatility")?.DefElem.arg?.String?.sval;
        if (name) this.#functions.set(name, v === "immutable" ? "i" : v === "stable" ? "s" : "v");
        return;
      }
    }
  }

  #moveNewRelation(rel: RelName | undefined, to: (r: RelName) => RelName): void {
    const same = rel ? this.#newRelations.get(rel.name) : undefined;
    const i = rel && same ? same.findIndex((t) => sameRel(t, rel)) : -1;
    if (!same || i < 0) return;
    const [moved] = same.splice(i, 1);
    this.#addNewRelation(to(moved));
  }

  #addColumn(rel: RelName, def: Node): void {
    const type = columnType(def.typeName);
    if (type && def.colname) this.#columns.push({ rel, column: def.colname, type });
  }

  #addConstraint(rel: RelName, c: Node, where: string): void {
    if (c.contype !== "CONSTR_CHECK" && c.contype !== "CONSTR_FOREIGN") return;
    const test = c.contype === "CONSTR_CHECK" ? c.raw_expr?.NullTest : undefined;
    const column = test?.nulltesttype === "IS_NOT_NULL" ? nameList(test.arg?.ColumnRef?.fields)[0] : undefined;
    this.#checks.push({ rel, name: c.conname, column, valid: !c.skip_validation, addedIn: where });
  }
}

// Relation kinds a RENAME or SET SCHEMA can move (a column or constraint rename moves nothing).
const RELATION_KINDS = new Set([
  "OBJECT_TABLE",
  "OBJECT_SEQUENCE",
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_INDEX",
  "OBJECT_FOREIGN_TABLE",
]);

/**
 * The relation `stmt` creates, if it creates one: a table or partition, a foreign table, a
 * sequence, a view, a materialized view or CREATE TABLE AS, an index (which lives in its
 * table's schema). Every rule that weighs a lock can then tell a new relation from a live one,
 * whatever its kind: pg_dump writes `ALTER TABLE seq OWNER TO` for sequences and views.
 */
export function createdRelation(stmt: Statement): RelName | undefined {
  const n = stmt.node;
  switch (stmt.type) {
    case "CreateStmt":
      return rangeVarName(n.relation);
    case "CreateForeignTableStmt":
      return rangeVarName(n.base?.relation);
    case "CreateTableAsStmt":
      return rangeVarName(n.into?.rel);
    case "ViewStmt":
      // CREATE OR REPLACE VIEW is how a live view is changed: it may create nothing.
      return n.replace ? undefined : rangeVarName(n.view);
    case "CreateSeqStmt":
      return rangeVarName(n.sequence);
    case "IndexStmt": {
      const table = rangeVarName(n.relation);
      if (!n.idxname || !table) return undefined;
      return table.schema ? { schema: table.schema, name: n.idxname } : { name: n.idxname };
    }
  }
  return undefined;
}
