/**
 * Split SQL into statements with the real PostgreSQL parser (libpg_query compiled to WASM):
 * the one statement reader and the one {@link Statement} type. Each statement carries what the
 * runner needs (its text as written, trimmed of leading comments, with a character offset, to
 * send, print and locate it) and what the linter needs (the parse-tree node, its index, and its
 * byte range in the untouched source). `src/lint/parse_sql.ts` adds only the `--` comments that
 * hold `confiture:` directives. Loaded lazily: only commands that run or inspect migrations pay
 * for the parser.
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { SourceText } from "./source_text.ts";
import { type ParseTree, parseTree } from "./parser.ts";
import { withoutPsqlMetaCommands } from "./psql_meta.ts";

/** A parse-tree node as libpg_query returns it: `{ NodeType: { …fields } }` or a bare field object. */
// deno-lint-ignore no-explicit-any
export type Node = Record<string, any>;

/** One statement of a script. */
export interface Statement {
  /** The statement's text as written (without the trailing semicolon). */
  text: string;
  /**
   * 0-based offset of `text` in the script as a JS string index (UTF-16 units): the server
   * counts code points, so convert with `codePoints(script.slice(0, offset))` before adding
   * an error position to it.
   */
  offset: number;
  /** 1-based line and column of its first token. */
  line: number;
  column: number;
  /** The parse-tree node type, e.g. `CreateStmt`, `IndexStmt`, `TransactionStmt`. */
  type: string;
  /** The parse-tree node itself (libpg_query JSON). */
  node: Node;
  /**
   * Byte offsets into the script (UTF-8) as libpg_query reports them: from the end of the
   * previous statement (leading whitespace and comments included) to this one's end (exclusive,
   * before `;`). Node locations inside `node` are bytes on the same scale.
   */
  start: number;
  end: number;
  /** Index of the statement in its script. */
  index: number;
}

/**
 * Split a script into statements. A syntax error, or a psql meta-command other than pg_dump's
 * `\restrict`/`\unrestrict`, throws SchemaError (exit 4) naming `file:line:column` before
 * anything runs. The statements may be shared with other callers
 * of the same text: treat them as read-only.
 */
export async function splitStatements(text: string, file: string): Promise<Statement[]> {
  // pg_dump's `\restrict`/`\unrestrict` lines are blanked to the same length (so every later
  // statement keeps its offset, line and column; a checksum is still of the text as committed),
  // and any other psql meta-command is refused naming file:line:col (src/sql/psql_meta.ts).
  const sql = withoutPsqlMetaCommands(text, { file }, "parse");
  // `migrate up` splits each pending file for the runner and again for the lint: a big file's
  // statements are one array for both while either holds it (one object per statement, not two).
  const kept = lastBig?.sql === sql ? lastBig.statements.deref() : undefined;
  if (kept) return kept;
  const statements = await split(sql, file);
  if (sql.length > SHARED_CHARS) lastBig = { sql, statements: new WeakRef(statements) };
  return statements;
}

/** Texts at least this long share their statements between callers (see splitStatements). */
const SHARED_CHARS = 1 << 20;
let lastBig: { sql: string; statements: WeakRef<Statement[]> } | undefined;

async function split(sql: string, file: string): Promise<Statement[]> {
  let tree: ParseTree;
  try {
    tree = await parseTree(sql);
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const msg = details?.message ?? (e instanceof Error ? e.message : String(e));
    // cursorPosition counts characters from 0 (unlike statement locations, which are bytes).
    const pos = details?.cursorPosition !== undefined
      ? new SourceText(sql).positionAtChar(details.cursorPosition)
      : undefined;
    throw new SchemaError(`Cannot parse ${file}${pos ? `:${pos.line}:${pos.column}` : ""}: ${msg}`, {
      code: "SQL_PARSE_ERROR",
      file,
      line: pos?.line,
      column: pos?.column,
      cause: e,
    });
  }
  const source = new SourceText(sql);
  // Pure ASCII (most migrations): byte offsets are string offsets, and no text is re-encoded.
  const ascii = source.byteLength === sql.length;
  return (tree.stmts ?? []).map((s, index) => {
    const start = s.stmt_location ?? 0;
    // A missing or zero length means "to the end of the text" (the last statement without `;`).
    const end = s.stmt_len ? start + s.stmt_len : source.byteLength;
    const raw = source.slice(start, end);
    // libpg_query's location includes leading whitespace and comments; point at the statement itself.
    const lead = leadingTrivia(raw);
    const byteOffset = start + (ascii ? lead : encoder.encode(raw.slice(0, lead)).length);
    const type = Object.keys(s.stmt)[0];
    return {
      text: raw.slice(lead).trimEnd(),
      offset: ascii ? byteOffset : source.slice(0, byteOffset).length,
      ...source.positionAt(byteOffset),
      type,
      node: (s.stmt[type] ?? {}) as Node,
      start,
      end,
      index,
    };
  });
}

const encoder = new TextEncoder();

// Length of the whitespace and comments before the first token.
function leadingTrivia(s: string): number {
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i])) i++;
    else if (s.startsWith("--", i)) {
      const nl = s.indexOf("\n", i);
      i = nl < 0 ? s.length : nl + 1;
    } else if (s.startsWith("/*", i)) {
      let depth = 0;
      while (i < s.length) {
        if (s.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (s.startsWith("*/", i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
    } else break;
  }
  return i;
}
