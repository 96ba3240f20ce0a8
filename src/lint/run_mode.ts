/**
 * How the runner will execute a migration file, as far as lint cares: which statements share a
 * transaction, and the file's own `-- confiture:lock_timeout` directive. Mirrors the runner
 * (`src/migrate/script.ts`): one transaction by default; statement by statement when a
 * statement cannot run in a transaction block or `-- confiture:no-transaction` is given; the
 * file's own BEGIN/COMMIT blocks when it has them.
 *
 * @module
 */
import { parseDuration } from "../config/validate.ts";
import { nonTransactionalReason, transactionControl } from "../sql/classify.ts";
import type { ParsedSql } from "./parse_sql.ts";

/** The run facts of one file. */
export interface RunMode {
  mode: "transaction" | "no-transaction" | "explicit";
  /** Per statement: the transaction it runs in (statements with the same number share one). */
  segment: number[];
  /** Per statement: whether it runs inside a transaction block (SET LOCAL only works there). */
  inTransaction: boolean[];
  /** `-- confiture:lock_timeout` before the first statement, in ms; undefined when absent. */
  lockTimeoutMs?: number;
}

// The runner's directive syntax: `-- confiture:name value` or `-- confiture:name=value`.
const DIRECTIVE = /^--\s*confiture:\s*([a-z_-]+)\s*(?:=\s*(\S+)|\s+(.*))?$/i;

/** Read how `parsed` will run. */
export function runModeOf(parsed: ParsedSql): RunMode {
  const firstStart = parsed.statements[0]?.start ?? Infinity;
  let forced: "transaction" | "no-transaction" | undefined;
  let lockTimeoutMs: number | undefined;
  for (const c of parsed.comments) {
    if (c.start > firstStart) continue;
    const m = DIRECTIVE.exec(c.text.trim());
    if (!m) continue;
    const key = m[1].toLowerCase().replaceAll("-", "_");
    if (key === "no_transaction") forced = "no-transaction";
    if (key === "transaction") forced = "transaction";
    if (key === "lock_timeout") lockTimeoutMs = parseDuration(m[2] ?? m[3]) ?? lockTimeoutMs;
  }
  const s = parsed.statements;
  const control = s.map((st) => transactionControl(st));
  let mode: RunMode["mode"];
  if (control.some((c) => c !== undefined)) mode = "explicit";
  else if (forced) mode = forced;
  else mode = s.some((st) => nonTransactionalReason(st)) ? "no-transaction" : "transaction";

  if (mode === "transaction") return { mode, segment: s.map(() => 0), inTransaction: s.map(() => true), lockTimeoutMs };
  if (mode === "no-transaction") {
    return {
      mode,
      segment: s.map((_, i) => i),
      inTransaction: s.map(() => false),
      lockTimeoutMs,
    };
  }
  const segment: number[] = [];
  const inTransaction: boolean[] = [];
  let open = false;
  let next = 0;
  let current = 0;
  for (const c of control) {
    if (c === "begin") [open, current] = [true, next++];
    const inside = open || c === "commit" || c === "rollback";
    segment.push(inside ? current : next++);
    inTransaction.push(inside);
    if (c === "commit" || c === "rollback") open = false;
  }
  return { mode, segment, inTransaction, lockTimeoutMs };
}
