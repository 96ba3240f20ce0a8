/**
 * Lock knowledge: which statements take an ACCESS EXCLUSIVE lock on a table, and how a file
 * changes lock_timeout as it goes.
 *
 * @module
 */
import { constantText, nameList, rangeVarName, type RelName } from "./ast.ts";
import type { Node, Statement } from "../sql/split.ts";

// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PostgreSQL docs, "ALTER TABLE").
const WEAKER_THAN_ACCESS_EXCLUSIVE = new Set([
  "AT_ValidateConstraint",
  "AT_SetStatistics",
  "AT_SetOptions",
  "AT_ResetOptions",
  "AT_SetRelOptions",
  "AT_ResetRelOptions",
  "AT_ClusterOn",
  "AT_DropCluster",
  "AT_EnableTrig",
  "AT_EnableAlwaysTrig",
  "AT_EnableReplicaTrig",
  "AT_DisableTrig",
  "AT_EnableTrigAll",
  "AT_DisableTrigAll",
  "AT_EnableTrigUser",
  "AT_DisableTrigUser",
  "AT_AttachPartition",
  "AT_DetachPartitionFinalize",
]);

/** The table a statement locks in ACCESS EXCLUSIVE mode, and how to name the statement. */
export function accessExclusiveTarget(stmt: Statement): { rel: RelName; what: string } | undefined {
  const n = stmt.node;
  const rel = rangeVarName(n.relation);
  switch (stmt.type) {
    case "AlterTableStmt": {
      if (!rel || !["OBJECT_TABLE", "OBJECT_MATVIEW"].includes(n.objtype)) return undefined;
      const strong = (n.cmds ?? []).some(({ AlterTableCmd: c }: Node) =>
        c && !WEAKER_THAN_ACCESS_EXCLUSIVE.has(c.subtype) &&
        !(c.subtype === "AT_AddConstraint" && c.def?.Constraint?.contype === "CONSTR_FOREIGN")
      );
      return strong ? { rel, what: "ALTER TABLE" } : undefined;
    }
    case "RenameStmt":
      return rel ? { rel, what: "RENAME" } : undefined;
    case "TruncateStmt": {
      const first = rangeVarName(n.relations?.[0]?.RangeVar);
      return first ? { rel: first, what: "TRUNCATE" } : undefined;
    }
    case "LockStmt": {
      const first = rangeVarName(n.relations?.[0]?.RangeVar);
      return first && n.mode === 8 ? { rel: first, what: "LOCK TABLE … ACCESS EXCLUSIVE" } : undefined;
    }
    case "VacuumStmt": {
      const full = (n.options ?? []).some((o: Node) => o.DefElem?.defname === "full");
      const first = rangeVarName(n.rels?.[0]?.VacuumRelation?.relation);
      return full && first ? { rel: first, what: "VACUUM FULL" } : undefined;
    }
    case "ClusterStmt":
      return rel ? { rel, what: "CLUSTER" } : undefined;
    case "RefreshMatViewStmt":
      return rel && !n.concurrent ? { rel, what: "REFRESH MATERIALIZED VIEW" } : undefined;
    case "DropStmt": {
      if (n.removeType === "OBJECT_TABLE" || n.removeType === "OBJECT_MATVIEW") {
        const names = nameList(n.objects?.[0]?.List?.items);
        const name = names.at(-1);
        if (!name) return undefined;
        return { rel: names.length > 1 ? { schema: names.at(-2), name } : { name }, what: "DROP TABLE" };
      }
      if (n.removeType === "OBJECT_TRIGGER") {
        const names = nameList(n.objects?.[0]?.List?.items);
        const name = names.at(-2);
        if (!name) return undefined;
        return { rel: names.length > 2 ? { schema: names.at(-3), name } : { name }, what: "DROP TRIGGER" };
      }
      return undefined;
    }
  }
  return undefined;
}

/**
 * The lock_timeout state after `stmt`: `true` when it sets a non-zero value, `false` when it
 * sets 0 or resets it, `undefined` when it does not touch lock_timeout.
 */
export function lockTimeoutChange(stmt: Statement, inTransaction = true): boolean | undefined {
  const n = stmt.node;
  if (stmt.type === "VariableSetStmt" && n.name === "lock_timeout") {
    // SET LOCAL outside a transaction block only raises a warning and changes nothing.
    if (n.is_local && !inTransaction) return undefined;
    if (n.kind !== "VAR_SET_VALUE") return false;
    return nonZero(constantText(n.args?.[0]));
  }
  let change: boolean | undefined;
  if (stmt.type === "SelectStmt") {
    // SELECT set_config('lock_timeout', '2s', true)
    const targets: Node[] = n.targetList ?? [];
    for (const t of targets) {
      const call = t.ResTarget?.val?.FuncCall;
      if (nameList(call?.funcname).at(-1) !== "set_config") continue;
      if (constantText(call.args?.[0]) !== "lock_timeout") continue;
      if (constantText(call.args?.[2]) === "true" && !inTransaction) continue;
      change = nonZero(constantText(call.args?.[1]));
    }
  }
  return change;
}

function nonZero(value: string | undefined): boolean {
  if (value === undefined) return true;
  const num = parseFloat(value);
  return !(Number.isFinite(num) && num === 0);
}
