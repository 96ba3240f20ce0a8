/**
 * Running one migration file: its SQL and its tracking-row change commit together or not at all.
 *
 * @module
 */
import type { Queryable, Session } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { MigrationError } from "../errors.ts";
import { lineColumnAt } from "./position.ts";
import type { MigrationFailure } from "./results.ts";

/** Per-migration timeouts, in ms (0 = no limit). */
export interface ApplySettings {
  statementLockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** The SET LOCAL statements that open every migration transaction. */
export function settingsSql(s: ApplySettings): string {
  return `SET LOCAL lock_timeout = '${s.statementLockTimeoutMs}ms';\nSET LOCAL statement_timeout = '${s.statementTimeoutMs}ms';`;
}

/** What is being run, for error messages. */
export interface RunTarget {
  version: string;
  name: string;
  /** Path shown to users (relative to the project). */
  shownPath: string;
  direction: "up" | "down";
}

/**
 * Run `sql` and `bookkeeping` in one transaction on `session`. A failure rolls both back and
 * throws a MigrationError pointing at file:line:col.
 */
export async function runTransactional(
  session: Session,
  settings: ApplySettings,
  target: RunTarget,
  sql: string,
  bookkeeping: (tx: Queryable) => Promise<void>,
): Promise<void> {
  await session.transaction(async (tx) => {
    await tx.exec(settingsSql(settings));
    try {
      await tx.exec(sql);
    } catch (e) {
      throw toMigrationError(e, target, sql);
    }
    await bookkeeping(tx);
  });
}

/** Turn a database error raised by a migration's SQL into a MigrationError with its location. */
export function toMigrationError(e: unknown, target: RunTarget, sql: string, offset = 0): unknown {
  if (!(e instanceof DatabaseError)) return e;
  const pos = e.position !== undefined ? lineColumnAt(sql, e.position + offset) : undefined;
  const where = `${target.shownPath}${pos ? `:${pos.line}:${pos.column}` : ""}`;
  const verb = target.direction === "up" ? "apply" : "roll back";
  return new MigrationError(`Cannot ${verb} ${where}: ${e.message}`, {
    code: e.sqlstate === "55P03" ? "LOCK_TIMEOUT_IN_MIGRATION" : "MIGRATION_FAILED",
    file: target.shownPath,
    line: pos?.line,
    column: pos?.column,
    detail: e.detail,
    hint: e.hint,
    cause: e,
    details: { sqlstate: e.sqlstate, version: target.version, name: target.name },
  });
}

/** The JSON description of a failed migration. */
export function describeFailure(e: unknown, target: RunTarget): MigrationFailure {
  const err = e instanceof MigrationError ? e : undefined;
  const cause = err?.cause instanceof DatabaseError ? err.cause : e instanceof DatabaseError ? e : undefined;
  return {
    version: target.version,
    name: target.name,
    message: e instanceof Error ? e.message : String(e),
    file: err?.file ?? target.shownPath,
    line: err?.line ?? null,
    column: err?.column ?? null,
    sqlstate: cause?.sqlstate ?? null,
    detail: cause?.detail ?? null,
    hint: cause?.hint ?? null,
  };
}
