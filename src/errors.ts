/**
 * Error classes named for what callers catch. Each carries its exit code, a symbolic code
 * for JSON output, and the facts needed to act on it (file, line, column, detail, hint).
 *
 * The exit codes are a frozen contract, printed by `confiture --exit-codes`.
 *
 * @module
 */

/** Exit codes: a frozen contract shared by every command. */
export const EXIT = {
  ok: 0,
  failure: 1,
  notInitialized: 2,
  connection: 3,
  schema: 4,
  config: 5,
  lock: 6,
  irreversible: 8,
  interrupted: 130,
} as const;

/** One exit code as documented by `confiture --exit-codes`. */
export interface ExitCodeDoc {
  code: number;
  meaning: string;
}

/** The exit-code table, in the order printed by `confiture --exit-codes`. */
export const EXIT_CODE_TABLE: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "Success; for `migrate status`: every migration is applied" },
  { code: 1, meaning: "Generic failure (SQL error, drift, mismatch); for `migrate status`: pending migrations exist" },
  { code: 2, meaning: "Tracking table not initialised (`migrate status`, `migrate current`)" },
  { code: 3, meaning: "Database connection failed" },
  { code: 4, meaning: "Schema, DDL or build error" },
  {
    code: 5,
    meaning:
      "Configuration, usage or validation error; for `migrate status`: an applied migration's file is missing or its up part was edited",
  },
  { code: 6, meaning: "Lock contention: another deployer holds the migration lock" },
  { code: 8, meaning: "Irreversible rollback: a needed .down.sql is missing" },
  {
    code: 130,
    meaning: "Interrupted (SIGINT or SIGTERM): the running statement was cancelled and the lock released",
  },
];

/** Where in a file an error points. Lines and columns are 1-based. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

/** Options shared by every Confiture error. */
export interface ConfitureErrorOptions extends SourceLocation {
  detail?: string;
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts, rendered under `error.details` in JSON. */
  details?: Record<string, unknown>;
}

/** Base class: every expected failure is a ConfitureError with an exit code. */
export class ConfitureError extends Error {
  /** Symbolic code, stable across releases (e.g. `CONFIG_INVALID`). */
  readonly code: string;
  /** Process exit code for the CLI. */
  readonly exitCode: number;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly detail?: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, exitCode: number, message: string, options: ConfitureErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.detail = options.detail;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Configuration or validation problem (exit 5). */
export class ConfigError extends ConfitureError {
  /** Every problem found, when validation collected several. */
  readonly problems: string[];
  constructor(message: string, options: ConfitureErrorOptions & { problems?: string[]; code?: string } = {}) {
    super(options.code ?? "CONFIG_INVALID", EXIT.config, message, options);
    this.problems = options.problems ?? [message];
  }
}

/** Command-line usage error: unknown flag, missing argument, bad value (exit 5). */
export class UsageError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions = {}) {
    super("USAGE", EXIT.config, message, options);
  }
}

/**
 * The database could not be reached or refused the login, or the connection was lost
 * mid-command (`code` `CONNECTION_LOST`) (exit 3).
 */
export class ConnectionError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions & { code?: string } = {}) {
    super(options.code ?? "CONNECTION_FAILED", EXIT.connection, message, options);
  }
}

/** The command was stopped by SIGINT or SIGTERM (exit 130). */
export class InterruptedError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions = {}) {
    super("INTERRUPTED", EXIT.interrupted, message, options);
  }
}

/** A migration failed to apply or roll back (exit 1). */
export class MigrationError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions & { code?: string } = {}) {
    super(options.code ?? "MIGRATION_FAILED", EXIT.failure, message, options);
  }
}

/** The tracking table does not exist yet (exit 2). */
export class NotInitializedError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions = {}) {
    super("NOT_INITIALIZED", EXIT.notInitialized, message, options);
  }
}

/** Schema, DDL or build problem (exit 4). */
export class SchemaError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions & { code?: string } = {}) {
    super(options.code ?? "SCHEMA_ERROR", EXIT.schema, message, options);
  }
}

/** Another process holds the migration lock (exit 6). */
export class LockError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions = {}) {
    super("LOCK_TIMEOUT", EXIT.lock, message, options);
  }
}

/** A rollback cannot be performed because a down file is missing (exit 8). */
export class IrreversibleError extends ConfitureError {
  constructor(message: string, options: ConfitureErrorOptions = {}) {
    super("IRREVERSIBLE", EXIT.irreversible, message, options);
  }
}

/** Render a message for one line of terminal output: `file:line:col: message`. */
export function locate(loc: SourceLocation): string {
  if (!loc.file) return "";
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}
