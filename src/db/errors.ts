/**
 * DatabaseError: a server error with its facts kept (SQLSTATE, detail, hint, position),
 * whichever driver produced it.
 *
 * @module
 */
import { ConnectionError } from "../errors.ts";

/** An error reported by PostgreSQL, normalised across drivers. */
export class DatabaseError extends Error {
  /** Five-character SQLSTATE, e.g. `42P01`. */
  readonly sqlstate: string;
  readonly detail?: string;
  readonly hint?: string;
  /**
   * 1-based character offset into the statement text, when the server gave one (an adapter
   * that sent several statements as one text makes it relative to the failing one).
   */
  position?: number;
  readonly where?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
  /** Which statement of an `execTransaction` batch failed (set by the adapter). */
  statementIndex?: number;

  constructor(fields: {
    message: string;
    sqlstate: string;
    detail?: string;
    hint?: string;
    position?: number;
    where?: string;
    schema?: string;
    table?: string;
    column?: string;
    constraint?: string;
    cause?: unknown;
  }) {
    super(fields.message, { cause: fields.cause });
    this.name = "DatabaseError";
    this.sqlstate = fields.sqlstate;
    this.detail = fields.detail || undefined;
    this.hint = fields.hint || undefined;
    this.position = fields.position;
    this.where = fields.where || undefined;
    this.schema = fields.schema || undefined;
    this.table = fields.table || undefined;
    this.column = fields.column || undefined;
    this.constraint = fields.constraint || undefined;
  }
}

// SQLSTATE classes that mean "you never got a working session".
const CONNECTION_STATES = /^(08|28|3D|53|57P0[1-3])/;

/**
 * Turn whatever a driver threw into a DatabaseError or a ConnectionError.
 * Errors that are neither (bugs, aborts) pass through unchanged.
 */
export function normalizeDbError(e: unknown, label: string): unknown {
  if (e instanceof DatabaseError || e instanceof ConnectionError) return e;
  if (!(e instanceof Error)) return e;
  const err = e as Error & Record<string, unknown>;
  const code = typeof err.code === "string" ? err.code : undefined;
  // EPIPE (a write to a connection the server closed) is shaped like an SQLSTATE: test it first.
  if (code && /^[0-9A-Z]{5}$/.test(code) && code !== "EPIPE") {
    if (LOST_STATES.test(code)) return lostConnection(label, err.message, e);
    if (CONNECTION_STATES.test(code) && code !== "57P03") {
      return new ConnectionError(`Cannot connect to ${label}: ${err.message}`, { cause: e });
    }
    const position = err.position === undefined || err.position === null || err.position === ""
      ? undefined
      : Number(err.position);
    return new DatabaseError({
      message: err.message,
      sqlstate: code,
      detail: str(err.detail),
      hint: str(err.hint),
      position: Number.isFinite(position) ? position : undefined,
      where: str(err.where),
      schema: str(err.schema_name ?? err.schema),
      table: str(err.table_name ?? err.table),
      column: str(err.column_name ?? err.column),
      constraint: str(err.constraint_name ?? err.constraint),
      cause: e,
    });
  }
  if (code && /^(CONNECTION_CLOSED|ECONNRESET|EPIPE)$/.test(code)) {
    return lostConnection(label, describeNetworkError(err), e);
  }
  if (
    code &&
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOENT|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|SASL_SIGNATURE_MISMATCH|AUTH_TYPE_NOT_IMPLEMENTED)$/
      .test(code)
  ) {
    return new ConnectionError(`Cannot connect to ${label}: ${describeNetworkError(err)}`, { cause: e });
  }
  if (/connect|ECONNREFUSED|getaddrinfo|Connection refused|os error 111/i.test(err.message)) {
    return new ConnectionError(`Cannot connect to ${label}: ${err.message}`, { cause: e });
  }
  return e;
}

// The session existed and the server ended it (terminated, shut down, crashed, idle timeout).
const LOST_STATES = /^(57P01|57P02|57P05)$/;

function lostConnection(label: string, message: string, cause: unknown): ConnectionError {
  return new ConnectionError(`Lost the connection to ${label}: ${message}`, {
    code: "CONNECTION_LOST",
    cause,
    hint: "The server ended the session (terminated, restarted, or the network failed); run the command again",
  });
}

function describeNetworkError(err: Error & Record<string, unknown>): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and accepting TCP/IP connections?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "CONNECT_TIMEOUT":
      return "timed out while connecting";
    case "CONNECTION_CLOSED":
    case "CONNECTION_ENDED":
    case "CONNECTION_DESTROYED":
    case "ECONNRESET":
      return "the connection was closed by the server";
    default:
      return err.message;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
