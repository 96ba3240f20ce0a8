/**
 * A migration file prepared for running: its statements (split by the PostgreSQL parser), the
 * transaction mode they need, and per-file settings from `-- confiture:` directives.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { parseDuration } from "../config/validate.ts";
import { createsOnly, nonTransactionalReason, transactionControl } from "../sql/classify.ts";
import { splitStatements, type Statement } from "../sql/split.ts";
import { noTransactionMarker, wrongDirectionMarker } from "./markers.ts";

/**
 * How a file runs:
 * - `transaction`: all statements and the tracking row in one transaction;
 * - `no-transaction`: statement by statement in autocommit, each journaled so a rerun resumes;
 * - `explicit`: the file's own BEGIN/COMMIT mark its transactions, honoured as written.
 */
export type ScriptMode = "transaction" | "no-transaction" | "explicit";

/** Per-migration timeouts in ms (0 = none). */
export interface ScriptSettings {
  statementLockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** A parsed, classified migration file. */
export interface MigrationScript {
  text: string;
  statements: Statement[];
  mode: ScriptMode;
  /** Why the file cannot run in one transaction (empty in transaction mode). */
  reasons: string[];
  settings: ScriptSettings;
  /** Inline `-- confiture:allow RULE reason` directives, for the linter. */
  allows: { rule: string; reason: string; line: number }[];
  /**
   * Whether the statements may travel to the server as one message: a transaction-mode file
   * whose statements only create objects (see `createsOnly`). A failure without a position
   * is then found by running the file again statement by statement.
   */
  oneMessage: boolean;
}

/**
 * From this many statements a transactional file also travels as one message: a reply, a
 * flush and a driver object per statement cost more than the statements (200k INSERTs took
 * 30 s and 900 MB against psql's 8 s). A failure is then located by running the file again
 * statement by statement, in a transaction rolled back like the first.
 */
const ONE_MESSAGE_STATEMENTS = 1000;

const DIRECTIVE = /^\s*--\s*confiture:\s*([a-z_-]+)\s*(?:=\s*(\S+)|\s+(.*))?$/i;

/**
 * Parse and classify a migration file. Syntax errors and bad directives throw (exit 4 / 5)
 * before anything runs. A file with no statements (empty, or only comments) is a no-op that
 * still records (or removes) its tracking row. A plain `.up.sql` holding another tool's down
 * marker is refused: its down part would run on the way up.
 */
export async function prepareScript(
  text: string,
  shownPath: string,
  defaults: ScriptSettings,
): Promise<MigrationScript> {
  const direction = /\.up\.sql$/i.test(shownPath) ? "up" : /\.down\.sql$/i.test(shownPath) ? "down" : undefined;
  const wrong = direction && wrongDirectionMarker(text, direction);
  if (wrong) {
    const stem = shownPath.replace(/\.(up|down)\.sql$/i, "");
    throw new ConfigError(
      `${shownPath}:${wrong.line}: ${wrong.text} is a ${wrong.tool} marker: the part after it would run as part of the ${direction}`,
      {
        code: "FOREIGN_MARKERS",
        file: shownPath,
        line: wrong.line,
        hint: `Rename the file to ${
          stem.slice(stem.lastIndexOf("/") + 1)
        }.sql so Confiture splits it at its ${wrong.tool} markers, or move the other part to its own file`,
      },
    );
  }
  // The parser refuses an empty string ("Query cannot be empty"); an empty file undoes nothing.
  const statements = /\S/.test(text.replace(/^\uFEFF/, "")) ? await splitStatements(text, shownPath) : [];
  const settings = { ...defaults };
  let forced: "transaction" | "no-transaction" | undefined;
  const allows: MigrationScript["allows"] = [];
  const firstCode = statements[0]?.line ?? Infinity;
  for (const [i, line] of directiveLines(text.replace(/^\uFEFF/, ""), firstCode)) {
    // goose's NO TRANSACTION, sql-migrate's notransaction, dbmate's transaction:false.
    if (i + 1 < firstCode && noTransactionMarker(line)) forced ??= "no-transaction";
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase().replaceAll("-", "_");
    const where = `${shownPath}:${i + 1}`;
    if (key === "allow") {
      const [rule, ...reason] = (m[3] ?? m[2] ?? "").trim().split(/\s+/);
      allows.push({ rule, reason: reason.join(" "), line: i + 1 });
      continue;
    }
    if (i + 1 > firstCode) {
      throw new ConfigError(`${where}: the confiture:${m[1]} directive must come before the first statement`, {
        file: shownPath,
        line: i + 1,
      });
    }
    if (key === "no_transaction" || key === "transaction") {
      forced = key === "transaction" ? "transaction" : "no-transaction";
    } else if (key === "lock_timeout" || key === "statement_timeout") {
      const ms = parseDuration(m[2] ?? m[3]);
      if (ms === undefined) {
        throw new ConfigError(`${where}: invalid duration in confiture:${m[1]}`, { file: shownPath, line: i + 1 });
      }
      if (key === "lock_timeout") settings.statementLockTimeoutMs = ms;
      else settings.statementTimeoutMs = ms;
    } else {
      throw new ConfigError(
        `${where}: unknown directive confiture:${
          m[1]
        } (known: transaction, no-transaction, lock_timeout, statement_timeout, allow)`,
        { file: shownPath, line: i + 1 },
      );
    }
  }

  const reasons = [...new Set(statements.map(nonTransactionalReason).filter((r): r is string => !!r))];
  const hasControl = statements.some((s) => transactionControl(s) !== undefined);
  let mode: ScriptMode;
  if (hasControl) {
    if (forced === "transaction") {
      throw new ConfigError(`${shownPath}: confiture:transaction conflicts with the file's own BEGIN/COMMIT`, {
        file: shownPath,
      });
    }
    checkExplicitBlocks(statements, shownPath);
    mode = "explicit";
  } else if (forced) mode = forced;
  else mode = reasons.length > 0 ? "no-transaction" : "transaction";
  return {
    text,
    statements,
    mode,
    reasons: mode === "transaction" ? [] : reasons,
    settings,
    allows,
    oneMessage: mode === "transaction" && (createsOnly(statements) || statements.length >= ONE_MESSAGE_STATEMENTS),
  };
}

/**
 * The lines that may hold a marker or a directive, 0-based index first: every line before the
 * first statement, then only lines that mention `confiture:` (a directive says it by name).
 * A data file of 200,000 lines is not cut into 200,000 strings for the few that matter.
 */
function* directiveLines(text: string, firstCode: number): Generator<[number, string]> {
  let start = 0;
  let i = 0;
  for (; i + 1 < firstCode && start <= text.length; i++) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    yield [i, text.slice(start, end).replace(/\r$/, "")];
    if (nl < 0) return;
    start = nl + 1;
  }
  const mention = /confiture:/gi;
  mention.lastIndex = start;
  for (let m = mention.exec(text); m; m = mention.exec(text)) {
    for (let nl = text.indexOf("\n", start); nl >= 0 && nl < m.index; nl = text.indexOf("\n", start)) {
      start = nl + 1;
      i++;
    }
    const nl = text.indexOf("\n", m.index);
    const end = nl < 0 ? text.length : nl;
    yield [i, text.slice(start, end).replace(/\r$/, "")];
    if (nl < 0) return;
    [start, i, mention.lastIndex] = [nl + 1, i + 1, nl + 1];
  }
}

// The file's own transaction blocks must be well formed: no nesting, every BEGIN closed.
function checkExplicitBlocks(statements: Statement[], shownPath: string): void {
  let open: Statement | undefined;
  for (const s of statements) {
    const kind = transactionControl(s);
    if (kind === "begin") {
      if (open) {
        throw new ConfigError(
          `${shownPath}:${s.line}:${s.column}: BEGIN inside a transaction opened at line ${open.line}`,
          {
            file: shownPath,
            line: s.line,
            column: s.column,
          },
        );
      }
      open = s;
    } else if (kind === "commit" || kind === "rollback") {
      if (!open) {
        throw new ConfigError(
          `${shownPath}:${s.line}:${s.column}: ${s.text.split(/\s/)[0].toUpperCase()} without BEGIN`,
          {
            file: shownPath,
            line: s.line,
            column: s.column,
          },
        );
      }
      open = undefined;
    } else if (kind === "other") {
      throw new ConfigError(
        `${shownPath}:${s.line}:${s.column}: ${s.text} is not supported in migrations (savepoints are fine inside DO blocks)`,
        {
          file: shownPath,
          line: s.line,
        },
      );
    } else if (open && nonTransactionalReason(s)) {
      throw new ConfigError(
        `${shownPath}:${s.line}:${s.column}: ${
          nonTransactionalReason(s)
        } cannot run inside the BEGIN at line ${open.line}`,
        {
          file: shownPath,
          line: s.line,
          column: s.column,
        },
      );
    }
  }
  if (open) {
    throw new ConfigError(`${shownPath}:${open.line}:${open.column}: BEGIN without COMMIT`, {
      file: shownPath,
      line: open.line,
    });
  }
}

/**
 * The exact SQL a script sends, for dry runs: the file's statements between Confiture's own
 * (transaction boundaries, timeouts, the tracking-table bookkeeping), which comments mark as
 * such so a reader never mistakes them for the file's SQL.
 */
export function renderScript(script: MigrationScript, bookkeeping: string, file = "the file"): string {
  const sets = setStatements(script.settings, script.mode === "transaction");
  const body = [`-- ${file}:`, ...script.statements.map((s) => `${s.text};`)];
  const own = ["-- confiture's bookkeeping (not in the file): the tracking-table row", bookkeeping];
  const timeouts = "-- confiture's timeouts for this migration (not in the file)";
  if (script.mode === "transaction") {
    return ["BEGIN;", timeouts, ...sets, ...body, ...own, "COMMIT;"].join("\n");
  }
  const header = `-- runs statement by statement outside a transaction (${
    script.mode === "explicit" ? "the file's own BEGIN/COMMIT" : script.reasons.join(", ")
  })`;
  return [header, timeouts, ...sets, ...body, ...own, "RESET lock_timeout;", "RESET statement_timeout;"].join("\n");
}

/** `SET [LOCAL] lock_timeout/statement_timeout` for the settings. */
export function setStatements(s: ScriptSettings, local: boolean): string[] {
  const scope = local ? "SET LOCAL" : "SET";
  return [
    `${scope} lock_timeout = '${s.statementLockTimeoutMs}ms';`,
    `${scope} statement_timeout = '${s.statementTimeoutMs}ms';`,
  ];
}
