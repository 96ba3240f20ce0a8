/**
 * Other tools' single-file migrations: goose (`-- +goose Up` / `Down`), sql-migrate
 * (`-- +migrate Up` / `Down`) and dbmate (`-- migrate:up` / `migrate:down`). A marked file is
 * cut into its up and down part; each part keeps the file's line numbers (the other lines are
 * blanked), so positions in messages point into the real file. Non-transactional markers become
 * Confiture's `-- confiture:no-transaction` directive.
 *
 * @module
 */

/** A tool whose markers split one file into an up and a down part. */
export type MarkerTool = "goose" | "sql-migrate" | "dbmate";

/** One recognised marker line. */
interface Marker {
  tool: MarkerTool;
  /** `up`, `down`, `begin`/`end` (statement blocks), `no-transaction`, or `unsupported`. */
  kind: "up" | "down" | "block" | "no-transaction" | "unsupported";
  /** Whether the section marker asks for no transaction (`notransaction`, `transaction:false`). */
  noTransaction: boolean;
  /** The marker as written, for messages. */
  text: string;
}

const GOOSE = /^\s*--\s*\+goose\s+(.*?)\s*$/i;
const SQL_MIGRATE = /^\s*--\s*\+migrate\s+(.*?)\s*$/i;
const DBMATE = /^\s*--\s*migrate:(up|down)\b(.*)$/i;

/** The marker on one line, if any. */
function markerOf(line: string): Marker | undefined {
  let m = GOOSE.exec(line);
  if (m) {
    const word = m[1].toLowerCase().replace(/\s+/g, " ");
    const text = `-- +goose ${m[1]}`;
    // Statement blocks need no marking: the PostgreSQL parser keeps a function body whole.
    // ENVSUB OFF is goose's default; ENVSUB ON (variable substitution) is not supported.
    const kind = word === "up"
      ? "up"
      : word === "down"
      ? "down"
      : word === "statementbegin" || word === "statementend" || word === "envsub off"
      ? "block"
      : word === "no transaction"
      ? "no-transaction"
      : "unsupported";
    return { tool: "goose", kind, noTransaction: false, text };
  }
  m = SQL_MIGRATE.exec(line);
  if (m) {
    const [word, ...opts] = m[1].toLowerCase().split(/\s+/);
    const text = `-- +migrate ${m[1]}`;
    const noTransaction = opts.includes("notransaction");
    const kind = word === "up"
      ? "up"
      : word === "down"
      ? "down"
      : word === "statementbegin" || word === "statementend"
      ? "block"
      : "unsupported";
    return { tool: "sql-migrate", kind, noTransaction, text };
  }
  m = DBMATE.exec(line);
  if (m) {
    const opts = m[2].trim().toLowerCase();
    return {
      tool: "dbmate",
      kind: m[1].toLowerCase() as "up" | "down",
      noTransaction: /\btransaction\s*:\s*false\b/.test(opts),
      text: `-- migrate:${m[1]}${m[2]}`.trimEnd(),
    };
  }
  return undefined;
}

/** Whether a line is another tool's "run this without a transaction" marker. */
export function noTransactionMarker(line: string): boolean {
  const m = markerOf(line);
  return !!m && (m.kind === "no-transaction" || m.noTransaction);
}

/** A marked file cut into parts. */
export interface MarkedFile {
  tool: MarkerTool;
  /** The up part, same line count as the file, other lines blank. */
  up: string;
  /** The down part, when the file has a down marker. */
  down?: string;
  /** Problems that make the file unusable, as `line N: message`. */
  problems: string[];
}

/** Whether `text` has any marker of another tool (cheap pre-check). */
export function hasMarkers(text: string): boolean {
  return /^\s*--\s*(\+goose|\+migrate|migrate:(up|down))\b/im.test(text);
}

/**
 * The first marker in `text` that would make part of a plain `.up.sql`/`.down.sql` file run in
 * the wrong direction: a down marker (or an up marker, in a down file).
 */
export function wrongDirectionMarker(
  text: string,
  direction: "up" | "down",
): { line: number; tool: MarkerTool; text: string } | undefined {
  if (!hasMarkers(text)) return undefined;
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const m = markerOf(line);
    if (m && (m.kind === "up" || m.kind === "down") && m.kind !== direction) {
      return { line: i + 1, tool: m.tool, text: m.text };
    }
  }
  return undefined;
}

/**
 * Cut a file with goose, sql-migrate or dbmate markers into its up and down part; undefined when
 * the file has no section marker.
 *
 * @example
 * ```ts
 * const f = splitMarkedFile("-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n");
 * f?.up;   // "\nCREATE TABLE t (id int);\n\n\n"
 * f?.down; // "\n\n\nDROP TABLE t;\n"
 * ```
 */
export function splitMarkedFile(text: string): MarkedFile | undefined {
  if (!hasMarkers(text)) return undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const markers = lines.map(markerOf);
  const first = markers.find((m) => m && (m.kind === "up" || m.kind === "down"));
  if (!first) return undefined;
  const tool = first.tool;
  const problems: string[] = [];
  const up: string[] = [];
  const down: string[] = [];
  let section: "before" | "up" | "down" = "before";
  let seenDown = false;
  let seenUp = false;
  const fileNoTransaction = markers.some((m) => m?.tool === tool && m.kind === "no-transaction");
  for (const [i, line] of lines.entries()) {
    const m = markers[i];
    up.push("");
    down.push("");
    if (m) {
      if (m.tool !== tool) {
        problems.push(`line ${i + 1}: ${m.text} (${m.tool}) in a ${tool} file`);
      } else if (m.kind === "unsupported") {
        problems.push(`line ${i + 1}: ${m.text} is not supported by Confiture`);
      } else if (m.kind === "up" || m.kind === "down") {
        if ((m.kind === "up" && seenUp) || (m.kind === "down" && seenDown)) {
          problems.push(`line ${i + 1}: a second ${m.text} marker`);
        }
        if (m.kind === "up") seenUp = true;
        else seenDown = true;
        section = m.kind;
        // The marker line carries the run mode, before the part's first statement.
        if (m.noTransaction || fileNoTransaction) (m.kind === "up" ? up : down)[i] = "-- confiture:no-transaction";
      }
      continue;
    }
    if (section === "before") {
      if (!/^\s*(--.*)?$/.test(line)) {
        problems.push(`line ${i + 1}: SQL before the first ${tool} Up/Down marker`);
      }
      continue;
    }
    (section === "up" ? up : down)[i] = line;
  }
  if (!seenUp) problems.push(`no ${tool} Up marker`);
  return { tool, up: up.join("\n"), down: seenDown ? down.join("\n") : undefined, problems };
}

/** How a tool's markers are written, for messages. */
export function markerExample(tool: MarkerTool): string {
  return tool === "goose" ? "-- +goose Up" : tool === "sql-migrate" ? "-- +migrate Up" : "-- migrate:up";
}
