/**
 * Which statements PostgreSQL refuses inside a transaction block, read from the parse tree.
 *
 * @module
 */
import type { Statement } from "./split.ts";

/**
 * Why a statement cannot run inside a transaction block, or undefined when it can.
 * `ALTER TYPE … ADD VALUE` is included: the new value cannot be used until the transaction
 * that added it commits, so a file that adds a value and then uses it needs autocommit.
 */
export function nonTransactionalReason(s: Statement): string | undefined {
  const n = s.node;
  switch (s.type) {
    case "IndexStmt":
      return n.concurrent ? "CREATE INDEX CONCURRENTLY" : undefined;
    case "DropStmt":
      return n.concurrent ? "DROP INDEX CONCURRENTLY" : undefined;
    case "ReindexStmt": {
      const params = (n.params as { DefElem?: { defname?: string } }[] | undefined) ?? [];
      if (params.some((p) => p.DefElem?.defname === "concurrently")) return "REINDEX CONCURRENTLY";
      const kind = String(n.kind ?? "");
      return kind === "REINDEX_OBJECT_SYSTEM" || kind === "REINDEX_OBJECT_DATABASE"
        ? "REINDEX SYSTEM/DATABASE"
        : undefined;
    }
    case "VacuumStmt":
      return n.is_vacuumcmd ? "VACUUM" : undefined;
    case "CreatedbStmt":
      return "CREATE DATABASE";
    case "DropdbStmt":
      return "DROP DATABASE";
    case "AlterSystemStmt":
      return "ALTER SYSTEM";
    case "CreateTableSpaceStmt":
      return "CREATE TABLESPACE";
    case "DropTableSpaceStmt":
      return "DROP TABLESPACE";
    case "AlterEnumStmt":
      return n.oldVal ? undefined : "ALTER TYPE … ADD VALUE";
    case "ClusterStmt":
      return n.relation ? undefined : "CLUSTER (all tables)";
    case "AlterTableStmt": {
      const cmds =
        (n.cmds as { AlterTableCmd?: { def?: { PartitionCmd?: { concurrent?: boolean } } } }[] | undefined) ?? [];
      return cmds.some((c) => c.AlterTableCmd?.def?.PartitionCmd?.concurrent)
        ? "DETACH PARTITION CONCURRENTLY"
        : undefined;
    }
    case "CreateSubscriptionStmt":
    case "DropSubscriptionStmt":
      return "CREATE/DROP SUBSCRIPTION";
    default:
      return undefined;
  }
}

/** The kind of a transaction-control statement, if `s` is one. */
export function transactionControl(s: Statement): "begin" | "commit" | "rollback" | "other" | undefined {
  if (s.type !== "TransactionStmt") return undefined;
  switch (String(s.node.kind)) {
    case "TRANS_STMT_BEGIN":
    case "TRANS_STMT_START":
      return "begin";
    case "TRANS_STMT_COMMIT":
      return "commit";
    case "TRANS_STMT_ROLLBACK":
      return "rollback";
    default:
      return "other";
  }
}

// Statements that create objects. Any of them may still wait for a lock (a foreign key's
// referenced table, say), but none reads or rewrites existing rows.
const CREATING = new Set([
  "CreateStmt",
  "ViewStmt",
  "CreateFunctionStmt",
  "CreateSeqStmt",
  "CreateEnumStmt",
  "CompositeTypeStmt",
  "CreateDomainStmt",
  "CreateSchemaStmt",
  "CommentStmt",
]);

/**
 * Whether every statement only creates objects, or indexes or alters a table created earlier
 * in the same list (empty, and invisible to other sessions). Such statements are fast, and
 * fail the same way when run twice.
 */
export function createsOnly(statements: readonly Statement[]): boolean {
  const created = new Set<string>();
  const key = (rv: unknown) => {
    const r = rv as { schemaname?: string; relname?: string } | undefined;
    return r?.relname === undefined ? undefined : `${r.schemaname ?? ""}.${r.relname}`;
  };
  for (const s of statements) {
    if (CREATING.has(s.type)) {
      const k = s.type === "CreateStmt" ? key(s.node.relation) : undefined;
      if (k && !s.node.if_not_exists) created.add(k);
      continue;
    }
    if (s.type !== "IndexStmt" && s.type !== "AlterTableStmt") return false;
    const k = key(s.node.relation);
    if (!k || !created.has(k) || s.node.concurrent) return false;
  }
  return statements.length > 0;
}
