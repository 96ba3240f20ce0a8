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
 * sets 0 (in PostgreSQL, "wait forever": pg_dump writes `SET lock_timeout = 0;` at the top of
 * every dump), rounds to 0 ms, resets it or runs `RESET ALL`; `undefined` when it does not
 * touch lock_timeout.
 */
export function lockTimeoutChange(stmt: Statement, inTransaction = true): boolean | undefined {
  const n = stmt.node;
  // RESET ALL undoes the runner's SET LOCAL too: back to the server default, 0.
  if (stmt.type === "VariableSetStmt" && n.kind === "VAR_RESET_ALL") return false;
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

// lock_timeout's units (milliseconds without one), as PostgreSQL reads an integer time setting.
const MS_PER: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

// Whether the value leaves a timeout in force. PostgreSQL rounds to whole milliseconds, so
// '0', '0s' and '0.4ms' all mean "wait forever". A value that cannot be read counts as set.
function nonZero(value: string | undefined): boolean {
  const m = value === undefined ? null : /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const per = m ? MS_PER[m[2] || "ms"] : undefined;
  if (!m || per === undefined) return true;
  return Math.abs(Number(m[1]) * per) > 0.5;
}
