/**
 * The PostgreSQL parser (libpg_query compiled to WASM), loaded on first use so commands that
 * never parse SQL do not pay for it.
 *
 * Memory: libpg_query hands back the whole parse tree as one JSON text, and its WASM heap never
 * shrinks, so parsing a 6 MB file of INSERTs in one call peaks near 1 GB. A large script is
 * therefore parsed a piece at a time: each piece ends at a `;` that the parser itself confirms
 * is the end of the piece's last statement (a `;` inside a string, comment, dollar quote or
 * `BEGIN ATOMIC` body makes the piece fail to parse, or end elsewhere, and the piece grows).
 * Rows of `INSERT … VALUES` are not kept: nothing downstream reads them.
 *
 * @module
 */

type LibPgQuery = typeof import("libpg-query");

let lib: Promise<LibPgQuery> | undefined;

/** The parser module, imported once. Calling this early overlaps its load with other work. */
export function loadParser(): Promise<LibPgQuery> {
  lib ??= import("libpg-query");
  return lib;
}

/**
 * Start loading the parser (~100 ms, most of it compiling WebAssembly) while other work waits
 * on the network. A failure to load surfaces where the parser is used.
 */
export function preloadParser(): void {
  loadParser().catch(() => {});
}

/** One top-level statement as libpg_query reports it (locations and lengths in bytes). */
export interface RawStatement {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/** The parse result of a whole script. */
export interface ParseTree {
  stmts?: RawStatement[];
}

/** A script up to this many characters is parsed in one call. */
export const PIECE_CHARS = 64 * 1024;

// Parsed scripts are shared between the runner's split and the lint (`migrate up` does both on
// every pending file): the last few, bounded by their total text size.
const MAX_CACHED_CHARS = 4 << 20;
const trees = new Map<string, Promise<ParseTree>>();
let cachedChars = 0;

/**
 * Parse `sql`; rejects with libpg_query's error, its `sqlDetails.cursorPosition` counting
 * characters from the start of `sql`. Statement locations are bytes from the start of `sql`.
 * The tree is shared between callers: treat it as read-only.
 */
export function parseTree(sql: string): Promise<ParseTree> {
  const hit = trees.get(sql);
  if (hit) {
    // Most recently used last, so the oldest is evicted first.
    trees.delete(sql);
    trees.set(sql, hit);
    return hit;
  }
  const tree = parsePieces(sql);
  if (sql.length <= MAX_CACHED_CHARS) {
    trees.set(sql, tree);
    cachedChars += sql.length;
    for (const [k] of trees) {
      if (cachedChars <= MAX_CACHED_CHARS) break;
      trees.delete(k);
      cachedChars -= k.length;
    }
    tree.catch(() => {
      if (trees.get(sql) !== tree) return;
      trees.delete(sql);
      cachedChars -= sql.length;
    });
  }
  return tree;
}

// Errors that a piece cut too early causes: the piece ends inside a string, comment or body.
const CUT_TOO_EARLY = /unterminated|at end of input/;

async function parsePieces(sql: string): Promise<ParseTree> {
  const { parse } = await loadParser();
  if (sql.length <= PIECE_CHARS) return compact(await parse(sql) as ParseTree);
  const out: RawStatement[] = [];
  let pos = 0; // characters
  let bytePos = 0;
  while (pos < sql.length) {
    let size = PIECE_CHARS;
    for (;;) {
      const cut = cutAt(sql, pos, size);
      const last = cut < 0;
      const piece = last ? sql.slice(pos) : sql.slice(pos, cut + 1);
      const pieceBytes = utf8Length(piece);
      let tree: ParseTree | undefined;
      if (piece.trim() !== "") {
        try {
          tree = await parse(piece) as ParseTree;
        } catch (e) {
          if (!last && CUT_TOO_EARLY.test((e as Error).message ?? "")) {
            size *= 2;
            continue;
          }
          const details = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
          if (details?.cursorPosition !== undefined) details.cursorPosition += pos;
          throw e;
        }
      }
      const stmts = tree?.stmts ?? [];
      const end = stmts.at(-1);
      // The piece must end with its last statement's own `;`, not one inside a comment.
      if (!last && (!end?.stmt_len || (end.stmt_location ?? 0) + end.stmt_len !== pieceBytes - 1)) {
        size *= 2;
        continue;
      }
      for (const s of compact({ stmts }).stmts!) {
        out.push({ ...s, stmt_location: (s.stmt_location ?? 0) + bytePos });
      }
      pos += piece.length;
      bytePos += pieceBytes;
      break;
    }
  }
  return { stmts: out };
}

// The `;` that ends the next piece: the last one before `pos + size` (preferring one at the end
// of a line), else the first after it; -1 when the rest of the script is the last piece.
function cutAt(sql: string, pos: number, size: number): number {
  const limit = pos + size;
  if (limit >= sql.length) return -1;
  const eol = sql.lastIndexOf(";\n", limit);
  if (eol > pos) return eol;
  const any = sql.lastIndexOf(";", limit);
  if (any > pos) return any;
  return sql.indexOf(";", limit);
}

function utf8Length(s: string): number {
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) [n, i] = [n + 4, i + 1];
    else n += 3;
  }
  return n;
}

/**
 * Reduce `INSERT … VALUES` to its target table: a data file's rows are most of its parse tree,
 * and no reader needs them. Function calls anywhere in the statement are kept (once per
 * distinct call) so rules looking for a call still see it. Identical reductions share one
 * object: 200,000 INSERTs into one table keep one node.
 */
function compact(tree: ParseTree): ParseTree {
  const shared = new Map<string, Record<string, unknown>>();
  for (const s of tree.stmts ?? []) {
    const insert = s.stmt.InsertStmt as Record<string, unknown> | undefined;
    const select = (insert?.selectStmt as { SelectStmt?: Record<string, unknown> } | undefined)?.SelectStmt;
    if (!insert || !select?.valuesLists || select.withClause || insert.withClause) continue;
    const calls = new Map<string, unknown>();
    collectCalls(insert, calls);
    const { relname, schemaname, relpersistence } = insert.relation as Record<string, unknown>;
    const reduced = {
      relation: { relname, schemaname, relpersistence },
      selectStmt: { SelectStmt: { valuesLists: calls.size ? [{ List: { items: [...calls.values()] } }] : [] } },
    };
    const key = JSON.stringify(reduced);
    if (!shared.has(key)) shared.set(key, reduced);
    s.stmt = { InsertStmt: shared.get(key)! };
  }
  return tree;
}

function collectCalls(node: unknown, into: Map<string, unknown>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectCalls(n, into);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "FuncCall") {
      const key = JSON.stringify(v, (name, value) => name === "location" ? undefined : value);
      if (!into.has(key)) into.set(key, { FuncCall: JSON.parse(key) });
    }
    collectCalls(v, into);
  }
}
