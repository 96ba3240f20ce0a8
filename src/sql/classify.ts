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
