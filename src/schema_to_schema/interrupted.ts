/**
 * A copy that stopped because a connection was lost: which end, which table, and how far its
 * committed batches got, so the message can say what is copied and what is not.
 *
 * @module
 */
import { ConnectionError } from "../errors.ts";
import type { Endpoints } from "./ends.ts";
import { count } from "../plural.ts";

/** How far a table got before its connection was lost. */
export interface InterruptedAt {
  table: string;
  /** Rows committed, by every run. */
  rows: number;
  /** Rows expected (an estimate for large tables). */
  total: number;
  /** The last committed key; null when no batch committed. */
  lastKey: string[] | null;
}

/** A lost connection in the middle of a table (exit 3). */
export class CopyInterruptedError extends ConnectionError {
  /** Which database was lost. */
  readonly end: "source" | "target" | "database";
  readonly at: InterruptedAt;

  constructor(ends: Endpoints, cause: ConnectionError, at: InterruptedAt) {
    const end = names(cause.message, ends.target.label)
      ? "target"
      : names(cause.message, ends.source.label)
      ? "source"
      : "database";
    const label = end === "target" ? ends.target.label : end === "source" ? ends.source.label : "";
    const reason = label ? cause.message.replace(`Cannot connect to ${label}: `, "") : cause.message;
    super(
      `Lost the connection to the ${end}${label ? ` (${label})` : ""} while copying ${at.table} (${reason}): ` +
        describeProgress(at),
      {
        cause,
        hint: `committed batches are kept; once the ${end} answers again, run \`migrate --resume\`, which continues ${
          at.lastKey ? `after key (${at.lastKey.join(", ")})` : "from the start of the table"
        }`,
        details: { end, table: at.table, rows_committed: at.rows, last_key: at.lastKey, cause: cause.message },
      },
    );
    this.end = end;
    this.at = at;
  }
}

/** `public.tb_user: 80 of 225 rows committed, up to key (88)`. */
export function describeProgress(at: InterruptedAt): string {
  return at.lastKey
    ? `${at.table}: ${at.rows} of ${count(Math.max(at.total, at.rows), "row")} committed, up to key (${
      at.lastKey.join(", ")
    })`
    : `${at.table}: no batch committed`;
}

/** Whether a connection error's message names this end's label (followed by `:`, a space or the end). */
function names(message: string, label: string): boolean {
  return new RegExp(`${RegExp.escape(label)}(:|\\s|$)`).test(message);
}
