/**
 * Running one prepared migration script. In transaction mode the SQL and the tracking-row
 * change commit together or not at all. Outside a transaction, each finished statement (or
 * each of the file's own transactions) is journaled, so a rerun resumes after the last one.
 *
 * @module
 */
import type { Queryable, ReservedSession } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { ConfigError, InterruptedError, MigrationError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { transactionControl } from "../sql/classify.ts";
import type { Statement } from "../sql/split.ts";
import { codePoints, SourceText } from "../sql/source_text.ts";
import { quoteQualified } from "../db/quote.ts";
import type { MigrationFailure } from "./results.ts";
import { type MigrationScript, setStatements } from "./script.ts";
import type { TrackingTable } from "./tracking_table.ts";
import { JournalState } from "./journal_state.ts";

/** Sets `client_connection_check_interval` where the server has it (PostgreSQL 14+). */
export const CONNECTION_CHECK = `SELECT pg_catalog.set_config('client_connection_check_interval', '1s', false)
 WHERE pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 140000`;

/**
 * Undo whatever a migration did to its session (SET, SET ROLE, set_config(…, false)), so it
 * reaches neither the next migration nor Confiture's own statements: the result is the same
 * whether migrations run in one batch or one per run. Sent before each migration (inside its
 * transaction, so it travels in the pipeline) and after each one that runs outside one.
 */
export const RESET_SESSION = `SET SESSION AUTHORIZATION DEFAULT;
RESET ALL;
${CONNECTION_CHECK}`;

/** Commit without waiting for the WAL flush; a later synchronous commit flushes it too. */
const ASYNC_COMMIT = "SET LOCAL synchronous_commit = off";

/** What is being run, for error messages and the journal. */
export interface RunTarget {
  version: string;
  name: string;
  /** Path shown to users (relative to the project). */
  shownPath: string;
  direction: "up" | "down";
  /** Checksum of the file's text, to refuse resuming an edited file. */
  checksum: string;
}

/** Where a statement-by-statement run resumed, for the caller's events. */
export interface RunOutcome {
  resumedAt?: number;
  /** INVALID indexes an interrupted CREATE INDEX CONCURRENTLY left, dropped to build again. */
  rebuilt?: string[];
}

/**
 * A migration sent as one message failed without saying which statement: nothing of it was
 * committed, and running it again statement by statement (see `runScript`) names the one.
 */
export class ReplayNeeded extends Error {
  constructor(readonly error: DatabaseError) {
    super(error.message, { cause: error });
    this.name = "ReplayNeeded";
  }
}

/**
 * The SQL that records (or forgets) the migration in the tracking table. `executionTimeMs` is
 * null when the server should measure it from the transaction's start.
 */
export type Bookkeeping = (executionTimeMs: number | null) => string;

/**
 * Run a script and its bookkeeping (insert or delete the tracking row) on `session`.
 * Throws MigrationError pointing at file:line:col on failure.
 */
export async function runScript(
  session: ReservedSession,
  script: MigrationScript,
  target: RunTarget,
  tracking: TrackingTable,
  bookkeeping: Bookkeeping,
  options: {
    asyncCommit?: boolean;
    /** SQL that fails unless the migration sent before this one committed (see guardSql). */
    guard?: string;
    oneMessage?: boolean;
    signal?: AbortSignal;
    /** Receives a `migration.statement` event before each statement run outside one transaction. */
    emit?: EventSink;
    /** The run's view of the progress journal (outside a transaction); read afresh without. */
    journal?: JournalState;
    /**
     * Outside a transaction: called once the last message is sent, before its answer (never
     * when the file's own COMMIT ends it). Nothing else of this run is sent after it unless the
     * run fails, so the caller may send what follows behind it, guarded on its tracking row.
     */
    onLastSent?: () => void;
  } = {},
): Promise<RunOutcome> {
  if (script.mode === "transaction") {
    // Our own statements travel as one message: the server's cost per message (a reply, a
    // flush, activity reporting) was a fifth of a small migration's time. The file's own
    // statements stay one message each, so an error names its statement.
    const prefix = [
      RESET_SESSION,
      // Sent before the previous migration answered: fail unless it committed.
      ...(options.guard ? [options.guard] : []),
      ...setStatements(script.settings, true).map((s) => s.replace(/;$/, "")),
      // The caller guarantees a later synchronous commit (which flushes this one's WAL too).
      ...(options.asyncCommit ? [ASYNC_COMMIT] : []),
    ].join(";\n");
    const oneMessage = options.oneMessage === true && script.oneMessage;
    try {
      await session.execTransaction([prefix, ...script.statements.map((s) => s.text), bookkeeping(null)], {
        oneMessage,
      });
    } catch (e) {
      // Only an error raised by one of the file's statements has a place in the file.
      const index = e instanceof DatabaseError ? e.statementIndex : undefined;
      if (oneMessage && e instanceof DatabaseError && index === undefined) throw new ReplayNeeded(e);
      const s = index === undefined ? undefined : script.statements[index - 1];
      throw toMigrationError(e, target, script.text, s ?? null);
    }
    return {};
  }
  return await runOutsideTransaction(session, script, target, tracking, bookkeeping, {
    ...options,
    state: options.journal ?? new JournalState(),
    asyncCommit: options.asyncCommit === true,
  });
}

async function runOutsideTransaction(
  session: ReservedSession,
  script: MigrationScript,
  target: RunTarget,
  tracking: TrackingTable,
  bookkeeping: Bookkeeping,
  options: {
    state: JournalState;
    asyncCommit: boolean;
    guard?: string;
    signal?: AbortSignal;
    emit?: EventSink;
    onLastSent?: () => void;
  },
): Promise<RunOutcome> {
  const { state, asyncCommit, signal, emit } = options;
  const journal = await state.find(session, tracking, target.version, target.direction);
  if (journal && journal.checksum !== target.checksum) {
    throw new ConfigError(
      `${target.shownPath} changed after a partial run stopped at statement ${
        journal.statements_done + 1
      } of ${journal.statements_total}`,
      {
        code: "PARTIAL_RUN_EDITED",
        file: target.shownPath,
        hint:
          `Restore the file as it was, or clear the journal row in ${tracking.displayName}_progress after checking the database by hand`,
      },
    );
  }
  const start = journal?.statements_done ?? 0;
  const statements = script.statements;
  const progress = (done: number) => ({
    version: target.version,
    name: target.name,
    direction: target.direction,
    checksum: target.checksum,
    statements_done: done,
    statements_total: statements.length,
    next_line: statements[done]?.line ?? null,
  });
  // One message, committed before the first statement runs: the session made clean, the
  // journal (created with its first row) and this run's row, then the file's settings. Its
  // commit need not wait for the WAL flush: the statement's own commit flushes it first. Sent
  // behind migrations not yet answered, it fails with its guard unless they committed.
  await session.exec([
    RESET_SESSION,
    ...(options.guard ? [options.guard] : []),
    ...(asyncCommit ? [ASYNC_COMMIT] : []),
    ...(state.exists ? [] : [tracking.ensureProgressSql()]),
    ...(journal ? [] : [tracking.saveProgressSql(progress(0))]),
    ...setStatements(script.settings, false).map((s) => s.replace(/;$/, "")),
  ].join(";\n"));
  state.created();
  // The file's own time starts once what it was sent behind has answered.
  const started = performance.now();
  let inTransaction = false;
  let finishedInside = false;
  let reset = false;
  const rebuilt: string[] = [];
  try {
    for (let i = start; i < statements.length; i++) {
      const s = statements[i];
      const control = transactionControl(s);
      const closesLast = (control === "commit") && i === statements.length - 1;
      // Between statements, never inside the file's own transaction (its ROLLBACK below undoes it).
      if (signal?.aborted) throw new InterruptedError("interrupted");
      // The statement a previous run stopped in may have left its index behind, INVALID.
      if (journal && i === start) {
        const dropped = await dropInvalidIndex(session, s);
        if (dropped) rebuilt.push(dropped);
      }
      if (control === "commit" || control === "rollback") {
        // Journal inside the file's own transaction, so the progress commits with it.
        await tracking.saveProgress(session, progress(i + 1));
        if (closesLast) {
          await session.exec(bookkeeping(performance.now() - started));
          await tracking.clearProgress(session, target.version, target.direction);
          finishedInside = true;
        }
      }
      emit?.({
        type: "migration.statement",
        direction: target.direction,
        version: target.version,
        name: target.name,
        index: i + 1,
        total: statements.length,
      });
      await execStatement(session, s, target, script.text);
      if (control === "begin") inTransaction = true;
      else if (control === "commit" || control === "rollback") inTransaction = false;
      // After the last statement the bookkeeping below commits at once, clearing the journal:
      // a crash before it leaves the journal at this statement either way.
      else if (!inTransaction && i < statements.length - 1) await tracking.saveProgress(session, progress(i + 1));
    }
    if (!finishedInside) {
      // One message, one implicit transaction: the tracking row and the journal's cleared row
      // commit together; then the session is made clean for what follows.
      const last = session.exec([
        // The caller guarantees a later synchronous commit, as for a transactional migration.
        ...(asyncCommit ? [ASYNC_COMMIT] : []),
        bookkeeping(performance.now() - started),
        tracking.clearProgressSql(target.version, target.direction),
        RESET_SESSION,
      ].join(";\n"));
      options.onLastSent?.();
      await last;
      reset = true;
    }
    state.forget(target.version, target.direction);
  } catch (e) {
    if (inTransaction) await session.exec("ROLLBACK").catch(() => {});
    await tracking.saveProgressError(
      session,
      target.version,
      target.direction,
      e instanceof Error ? e.message : String(e),
    )
      .catch(() => {});
    throw e;
  } finally {
    if (!reset) await session.exec(RESET_SESSION).catch(() => {});
  }
  return { resumedAt: start > 0 ? start : undefined, rebuilt: rebuilt.length ? rebuilt : undefined };
}

/**
 * Before rerunning an interrupted `CREATE INDEX CONCURRENTLY`, drop the INVALID index of the
 * same name on the same table that it left (every rerun would otherwise fail with "already
 * exists"). Returns the dropped index's name.
 */
async function dropInvalidIndex(session: Queryable, s: Statement): Promise<string | undefined> {
  if (s.type !== "IndexStmt" || !s.node.concurrent || typeof s.node.idxname !== "string") return undefined;
  const rel = s.node.relation as { schemaname?: string; relname?: string } | undefined;
  if (!rel?.relname) return undefined;
  const table = quoteQualified(rel.schemaname, rel.relname);
  const [row] = await session.query<{ name: string }>(
    `SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND c.relname = $1 AND i.indrelid = pg_catalog.to_regclass($2)`,
    [s.node.idxname, table],
  );
  if (!row) return undefined;
  await session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${row.name}`);
  return row.name;
}

async function execStatement(q: Queryable, s: Statement, target: RunTarget, fileText: string): Promise<void> {
  try {
    await q.exec(s.text);
  } catch (e) {
    throw toMigrationError(e, target, fileText, s);
  }
}

/**
 * Turn a database error raised by a statement into a MigrationError with its file location.
 * `s` is the failing statement; null when the error came from SQL that is not in the file
 * (settings, bookkeeping, COMMIT), whose positions mean nothing in the file.
 */
export function toMigrationError(
  e: unknown,
  target: Pick<RunTarget, "shownPath" | "direction" | "version" | "name">,
  fileText: string,
  s?: Statement | null,
): unknown {
  if (!(e instanceof DatabaseError)) return e;
  let pos: { line: number; column: number } | undefined;
  // The server's position counts characters from 1 within the statement sent; the statement's
  // offset is a string index, so it is converted to characters before they are added.
  if (s && e.position !== undefined) {
    pos = new SourceText(fileText).positionAtChar(codePoints(fileText.slice(0, s.offset)) + e.position - 1);
  } else if (s) pos = { line: s.line, column: s.column };
  else if (s === undefined && e.position !== undefined) pos = new SourceText(fileText).positionAtChar(e.position - 1);
  const where = `${target.shownPath}${pos ? `:${pos.line}:${pos.column}` : ""}`;
  const verb = target.direction === "up" ? "apply" : "roll back";
  return new MigrationError(`Cannot ${verb} ${where}: ${e.message}`, {
    code: e.sqlstate === "55P03" ? "LOCK_TIMEOUT_IN_MIGRATION" : "MIGRATION_FAILED",
    file: target.shownPath,
    line: pos?.line,
    column: pos?.column,
    detail: e.detail,
    hint: e.hint ?? foreignHistoryHint(e),
    cause: e,
    details: { sqlstate: e.sqlstate, version: target.version, name: target.name },
  });
}

// The history tables other tools create before running the first file; a chain that writes to
// its own tool's table (harbor's adds a column to golang-migrate's) fails under any other runner.
const FOREIGN_HISTORY: Record<string, string> = {
  schema_migrations: "golang-migrate's or dbmate's",
  goose_db_version: "goose's",
  flyway_schema_history: "Flyway's",
};

function foreignHistoryHint(e: DatabaseError): string | undefined {
  if (e.sqlstate !== "42P01") return undefined; // undefined_table
  const table = e.message.match(/^relation "(?:[^"]*\.)?([^".]+)" does not exist/)?.[1];
  const tool = table ? FOREIGN_HISTORY[table] : undefined;
  if (!tool) return undefined;
  return `${table} is ${tool} history table, which that tool creates before the first migration and ` +
    `Confiture does not (it records its own in its tracking table): create ${table} in an earlier ` +
    `migration, or remove the statement that uses it`;
}

/** The JSON description of a failed migration. */
export function describeFailure(
  e: unknown,
  target: Pick<RunTarget, "version" | "name" | "shownPath">,
): MigrationFailure {
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
    hint: err?.hint ?? cause?.hint ?? null,
  };
}
