/**
 * What the migrations linted so far in one batch have created: tables that are new (so locking
 * them hurts nobody), column types, CHECK (col IS NOT NULL) constraints and function volatility.
 * Updated after each statement, in order.
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
  // By table name: a batch of a thousand migrations asks this for every statement.
  readonly #newTables = new Map<string, RelName[]>();
  readonly #columns: { rel: RelName; column: string; type: ColumnType }[] = [];
  readonly #checks: BatchConstraint[] = [];
  readonly #functions = new Map<string, "v" | "s" | "i">();

  #addNewTable(rel: RelName): void {
    const same = this.#newTables.get(rel.name);
    if (same) same.push(rel);
    else this.#newTables.set(rel.name, [rel]);
  }

  /** Whether the table was created earlier in this batch (and so holds no live rows). */
  isNewTable(rel: RelName): boolean {
    return this.#newTables.get(rel.name)?.some((t) => sameRel(t, rel)) ?? false;
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
    switch (stmt.type) {
      case "CreateStmt": {
        const rel = rangeVarName(n.relation);
        if (!rel) return;
        this.#addNewTable(rel);
        for (const elt of n.tableElts ?? []) {
          if (elt.ColumnDef) this.#addColumn(rel, elt.ColumnDef);
          if (elt.Constraint) this.#addConstraint(rel, elt.Constraint, where);
        }
        return;
      }
      case "CreateTableAsStmt": {
        const rel = rangeVarName(n.into?.rel);
        if (rel) this.#addNewTable(rel);
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
      case "RenameStmt": {
        const rel = rangeVarName(n.relation);
        const same = rel ? this.#newTables.get(rel.name) : undefined;
        const i = rel && same ? same.findIndex((t) => sameRel(t, rel)) : -1;
        if (n.renameType === "OBJECT_TABLE" && same && i >= 0) {
          const [renamed] = same.splice(i, 1);
          this.#addNewTable({ ...renamed, name: n.newname });
        }
        return;
      }
      case "CreateFunctionStmt": {
        const name = qualifiedName(n.funcname)?.name;
        const v = (n.options ?? []).find((o: Node) => o.DefElem?.defname === "volatility")?.DefElem.arg?.String?.sval;
        if (name) this.#functions.set(name, v === "immutable" ? "i" : v === "stable" ? "s" : "v");
        return;
      }
    }
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
