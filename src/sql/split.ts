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
import { lineColumnAt, lineColumnAtByte } from "./position.ts";
import { type ParseTree, parseTree } from "./parser.ts";

/** One statement of a script. */
export interface Statement {
  /** The statement's text as written (without the trailing semicolon). */
  text: string;
  /** 0-based character offset of `text` in the script. */
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
    const pos = details?.cursorPosition !== undefined ? lineColumnAt(sql, details.cursorPosition + 1) : undefined;
    throw new SchemaError(`Cannot parse ${file}${pos ? `:${pos.line}:${pos.column}` : ""}: ${msg}`, {
      code: "SQL_PARSE_ERROR",
      file,
      line: pos?.line,
      column: pos?.column,
    });
  }
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(sql)) return asciiStatements(sql, tree);
  const bytes = new TextEncoder().encode(sql);
  const decoder = new TextDecoder();
  const out: Statement[] = [];
  for (const s of tree.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const len = s.stmt_len ?? bytes.length - start;
    const raw = decoder.decode(bytes.subarray(start, start + len));
    // libpg_query's location includes leading whitespace and comments; point at the statement itself.
    const lead = leadingTrivia(raw);
    const text = raw.slice(lead).trimEnd();
    const byteOffset = start + new TextEncoder().encode(raw.slice(0, lead)).length;
    const { line, column } = lineColumnAtByte(sql, byteOffset);
    const type = Object.keys(s.stmt)[0];
    out.push({
      text,
      offset: decoder.decode(bytes.subarray(0, byteOffset)).length,
      line,
      column,
      type,
      node: (s.stmt[type] ?? {}) as Record<string, unknown>,
    });
  }
  return out;
}

// Pure ASCII (most migrations): byte offsets are character offsets, and no text is re-encoded.
function asciiStatements(sql: string, tree: ParseTree): Statement[] {
  const lineStarts = [0];
  for (let i = sql.indexOf("\n"); i >= 0; i = sql.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  let line = 0; // statements come in order, so the line search only moves forward
  return (tree.stmts ?? []).map((s) => {
    const start = s.stmt_location ?? 0;
    const raw = sql.slice(start, start + (s.stmt_len ?? sql.length - start));
    const lead = leadingTrivia(raw);
    const offset = start + lead;
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
    const type = Object.keys(s.stmt)[0];
    return {
      text: raw.slice(lead).trimEnd(),
      offset,
      line: line + 1,
      column: offset - lineStarts[line] + 1,
      type,
      node: (s.stmt[type] ?? {}) as Record<string, unknown>,
    };
  });
}

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
