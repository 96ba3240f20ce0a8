/**
 * Split SQL into statements with the real PostgreSQL parser (libpg_query compiled to WASM),
 * keeping each statement's exact text and where it starts in the file. Loaded lazily: only
 * commands that run or inspect migrations pay for the parser.
 *
 * Why a second reader beside `src/lint/parse_sql.ts`: both call the one parser
 * (`./parser.ts`), but they serve different consumers. This one is the *runner's* view: each
 * statement's text as written, trimmed of leading comments, with character offsets, so
 * migrate, build and dry runs can send, print and locate it. The linter's view keeps byte
 * ranges into the untouched source, the statement index and the `--` comments that carry
 * `confiture:` directives, which running never needs. (Unifying them is open in #15.4.)
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { SourceText } from "./source_text.ts";
import { type ParseTree, parseTree } from "./parser.ts";

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
  /** 1-based line and column where it starts. */
  line: number;
  column: number;
  /** The parse-tree node type, e.g. `CreateStmt`, `IndexStmt`, `TransactionStmt`. */
  type: string;
  /** The parse-tree node itself (libpg_query JSON). */
  node: Record<string, unknown>;
}

/**
 * Split a script into statements. A syntax error throws SchemaError (exit 4) naming
 * `file:line:column` before anything runs.
 */
export async function splitStatements(sql: string, file: string): Promise<Statement[]> {
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
    });
  }
  const source = new SourceText(sql);
  // Pure ASCII (most migrations): byte offsets are string offsets, and no text is re-encoded.
  const ascii = source.byteLength === sql.length;
  return (tree.stmts ?? []).map((s) => {
    const start = s.stmt_location ?? 0;
    const raw = source.slice(start, start + (s.stmt_len ?? source.byteLength - start));
    // libpg_query's location includes leading whitespace and comments; point at the statement itself.
    const lead = leadingTrivia(raw);
    const byteOffset = start + (ascii ? lead : encoder.encode(raw.slice(0, lead)).length);
    const type = Object.keys(s.stmt)[0];
    return {
      text: raw.slice(lead).trimEnd(),
      offset: ascii ? byteOffset : source.slice(0, byteOffset).length,
      ...source.positionAt(byteOffset),
      type,
      node: (s.stmt[type] ?? {}) as Record<string, unknown>,
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
