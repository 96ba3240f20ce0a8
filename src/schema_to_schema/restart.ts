/**
 * `--restart`: empty target tables and forget their checkpoints. PostgreSQL refuses to
 * TRUNCATE a table that another table references unless both are emptied together, so the
 * tables are emptied in one statement, and a reference from a table outside the set is a
 * clear refusal before anything is emptied.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey } from "../db/qualified_name.ts";
import type { Database, Queryable } from "../db/database.ts";
import { quoteLiteral } from "../db/quote.ts";
import { ConfigError } from "../errors.ts";
import { silent } from "../events.ts";
import { checkpointTable, ensureCheckpointTable } from "./checkpoint.ts";
import type { TablePlan } from "./plan.ts";
import {
  DEFAULT_TARGET_LOCK_TIMEOUT_MS,
  isLockTimeout,
  lockTimeout,
  type TableLockOptions,
  waitForTableLock,
} from "./target_lock.ts";

/** A foreign key from a table outside the restarted set into one inside it. */
export interface IncomingReference {
  /** `schema.table` that holds the foreign key. */
  from: string;
  constraint: string;
  /** `schema.table` it references. */
  to: string;
}

/** Foreign keys into `plans`' target tables from tables that are not among them. */
export async function incomingReferences(target: Queryable, plans: TablePlan[]): Promise<IncomingReference[]> {
  return await target.query<IncomingReference>(
    `SELECT fn.nspname || '.' || f.relname AS from, c.conname::text AS constraint, tn.nspname || '.' || t.relname AS to
       FROM pg_constraint c
       JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
       JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE c.contype = 'f' AND c.confrelid = ANY($1::regclass[]) AND NOT (c.conrelid = ANY($1::regclass[]))
      ORDER BY 3, 1, 2`,
    [plans.map((p) => formatQualifiedName(p.target))],
  );
}

/**
 * Empty the target tables of `plans` in one TRUNCATE and delete their checkpoints, in one
 * transaction. Throws ConfigError (exit 5) naming every referencing table, having changed
 * nothing, when a table outside the set references one of them.
 */
export async function restartTables(
  target: Database,
  staging: string,
  plans: TablePlan[],
  lock: TableLockOptions = { timeoutMs: DEFAULT_TARGET_LOCK_TIMEOUT_MS, onEvent: silent },
): Promise<void> {
  if (plans.length === 0) return;
  const refs = await incomingReferences(target, plans);
  if (refs.length > 0) {
    const names = [...new Set(refs.map((r) => r.to))];
    const from = [...new Set(refs.map((r) => r.from))];
    throw new ConfigError(
      `Cannot --restart ${names.join(", ")}: ${
        refs.map((r) => `${r.from} references ${r.to} (constraint ${r.constraint})`).join("; ")
      }; emptying it alone would break those rows`,
      {
        code: "S2S_RESTART_REFERENCED",
        hint: `restart the referencing tables in the same run if the mapping has them (--tables ${
          [...plans.map((p) => qualifiedKey(p.target)), ...from].join(",")
        }), or empty ${from.join(", ")} yourself first; nothing was emptied`,
        details: { references: refs },
      },
    );
  }
  await ensureCheckpointTable(target, staging);
  for (const p of plans) await waitForTableLock(target, p.target, "ACCESS EXCLUSIVE", lock);
  const session = await target.reserve();
  try {
    await session.exec(
      `BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(lock.timeoutMs))};
       TRUNCATE ${plans.map((p) => formatQualifiedName(p.target)).join(", ")};
       DELETE FROM ${checkpointTable(staging)} WHERE target_table IN (${
        plans.map((p) => quoteLiteral(qualifiedKey(p.target))).join(", ")
      }); COMMIT`,
    );
  } catch (e) {
    await session.exec("ROLLBACK").catch(() => {});
    if (isLockTimeout(e)) {
      throw await lockTimeout(target, plans[0].target, "ACCESS EXCLUSIVE", lock.timeoutMs);
    }
    throw e;
  } finally {
    await session.release();
  }
}
