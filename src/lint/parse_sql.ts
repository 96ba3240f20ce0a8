/**
 * Parse a migration file with the real PostgreSQL parser (libpg_query compiled to WASM).
 * The parser is imported on first use so commands that never lint do not load it.
 *
 * Why not `src/sql/split.ts`: that is the runner's view (each statement's trimmed text and
 * character offset, to send and print). Rules need the parse-tree node with byte ranges into
 * the untouched source (through `SourceText`), each statement's index in the file, and the
 * `--` comments holding `confiture:` directives; both call the one parser, `src/sql/parser.ts`.
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { loadParser, parseTree } from "../sql/parser.ts";
import { SourceText } from "../sql/source_text.ts";

/** A parse-tree node as libpg_query returns it: `{ NodeType: { …fields } }` or a bare field object. */
// deno-lint-ignore no-explicit-any
export type Node = Record<string, any>;

/** One top-level statement of a file. */
export interface Statement {
  /** Node type, e.g. `AlterTableStmt`. */
  type: string;
  /** The node's fields. */
  node: Node;
  /** Byte offsets of the statement's first token and of its end (exclusive, before `;`). */
  start: number;
  end: number;
  line: number;
  column: number;
  /** Index of the statement in its file. */
  index: number;
}

/** A `--` comment found by the scanner (never one inside a string or dollar quote). */
export interface LineComment {
  text: string;
  start: number;
  end: number;
  line: number;
}

/** A parsed SQL file. */
export interface ParsedSql {
  file: string;
  source: SourceText;
  statements: Statement[];
  /** The `--` comments, read only when the file mentions `confiture:` (they carry directives). */
  comments: LineComment[];
}

/**
 * Parse `sql` (the contents of `file`, shown in messages as given). Unparseable SQL throws a
 * SchemaError (exit 4) pointing at file:line:col.
 */
export async function parseSql(file: string, sql: string): Promise<ParsedSql> {
  const { scan } = await loadParser();
  const source = new SourceText(sql);
  // deno-lint-ignore no-explicit-any
  let tree: any;
  // The parser rejects an empty string; a file of only whitespace has no statements.
  if (!/\S/.test(sql)) return { file, source, statements: [], comments: [] };
  try {
    tree = await parseTree(sql);
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const at = details?.cursorPosition !== undefined ? source.positionAtChar(details.cursorPosition) : undefined;
    const message = details?.message ?? (e instanceof Error ? e.message : String(e));
    throw new SchemaError(`Cannot parse ${file}${at ? `:${at.line}:${at.column}` : ""}: ${message}`, {
      code: "SQL_PARSE_ERROR",
      file,
      line: at?.line,
      column: at?.column,
      cause: e,
    });
  }
  // deno-lint-ignore no-explicit-any
  const statements: Statement[] = (tree.stmts ?? []).map((raw: any, index: number) => {
    const start: number = raw.stmt_location ?? 0;
    // A missing or zero length means "to the end of the text" (the last statement without `;`).
    const end: number = raw.stmt_len ? start + raw.stmt_len : source.byteLength;
    const [type, node] = Object.entries(raw.stmt as Node)[0];
    const { line, column } = source.positionAt(start);
    return { type, node, start, end, line, column, index };
  });
  const comments: LineComment[] = [];
  // Comments serve the `-- confiture:` directives only, and scanning costs more than parsing:
  // a file that never says `confiture:` has no directive to find.
  const scanned = /confiture:/i.test(sql) ? scan(sql) : { tokens: [] };
  for (const t of scanned.tokens) {
    if (t.tokenName !== "SQL_COMMENT") continue;
    comments.push({
      text: source.slice(t.start, t.end),
      start: t.start,
      end: t.end,
      line: source.positionAt(t.start).line,
    });
  }
  return { file, source, statements, comments };
}
