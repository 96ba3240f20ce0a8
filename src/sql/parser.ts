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

import { loadPgQuery, type PgQuery, utf8Length } from "./pg_query.ts";

let lib: Promise<PgQuery> | undefined;

/** The parser, loaded once. Calling this early overlaps its load with other work. */
export function loadParser(): Promise<PgQuery> {
  lib ??= loadPgQuery();
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
let lastBig: { sql: string; tree: WeakRef<ParseTree> } | undefined;
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
  const big = lastBig?.sql === sql ? lastBig.tree.deref() : undefined;
  if (big) return Promise.resolve(big);
  const tree = parsePieces(sql);
  if (sql.length > MAX_CACHED_CHARS) {
    // The tree of a big text is kept while something else holds it (the runner keeps its
    // nodes, the lint reads it next) or until memory runs short: parsing a data file twice
    // doubled its garbage. One such file at a time.
    tree.then((t) => {
      lastBig = { sql, tree: new WeakRef(t) };
    }, () => {});
  } else {
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
  const { parse, scan } = await loadParser();
  if (sql.length <= PIECE_CHARS) return compact(parse(sql) as ParseTree);
  const out: RawStatement[] = [];
  let pos = 0; // characters
  let bytePos = 0;
  while (pos < sql.length) {
    let size = PIECE_CHARS;
    for (;;) {
      const cut = cutAt(sql, pos, size);
      const last = cut < 0;
      if ((last ? sql.length : cut + 1) - pos > BIG_STATEMENT_CHARS) {
        // One statement may span the whole piece: a giant INSERT … VALUES is checked in chunks.
        const big = bigInsert(sql, pos, parse, scan);
        if (big) {
          const taken = sql.slice(pos, big.end + 1);
          const bytes = utf8Length(taken);
          out.push({ stmt: big.stmt, stmt_location: bytePos, stmt_len: bytes - 1 });
          pos += taken.length;
          bytePos += bytes;
          break;
        }
      }
      const piece = last ? sql.slice(pos) : sql.slice(pos, cut + 1);
      const pieceBytes = utf8Length(piece);
      let tree: ParseTree | undefined;
      if (piece.trim() !== "") {
        try {
          tree = parse(piece) as ParseTree;
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
    const reduced = reducedInsert(insert, calls);
    const key = JSON.stringify(reduced);
    if (!shared.has(key)) shared.set(key, reduced);
    s.stmt = { InsertStmt: shared.get(key)! };
  }
  return tree;
}

// An INSERT … VALUES reduced to its target table and the distinct calls found in it.
function reducedInsert(insert: Record<string, unknown>, calls: Map<string, unknown>): Record<string, unknown> {
  const { relname, schemaname, relpersistence } = insert.relation as Record<string, unknown>;
  return {
    relation: { relname, schemaname, relpersistence },
    selectStmt: { SelectStmt: { valuesLists: calls.size ? [{ List: { items: [...calls.values()] } }] : [] } },
  };
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

/** A statement longer than this is tried as a giant `INSERT … VALUES` first. */
export const BIG_STATEMENT_CHARS = 1 << 20;

// Rows per chunk, in characters; the chunk ends at the first row boundary past this size.
const ROW_CHUNK_CHARS = 64 * 1024;
// Candidate cuts per chunk that turn out to lie inside a row, string or comment, before giving up.
const MAX_MISSES = 200;
// Appended to each chunk: it parses as a second statement only when the chunk's end is code,
// not inside a `--` comment (an unterminated string or block comment fails to parse anyway).
const SENTINEL = ";SELECT 1";

/**
 * Parse a giant `INSERT INTO … VALUES (…), (…), …;` starting at `pos` without building its
 * whole tree: libpg_query's tree of a 13 MB statement is ~65× its size in JSON and objects,
 * and even the C-side tree alone passes 10× it. The rows are parsed a chunk at a time, each
 * chunk as its own statement behind the original head (`INSERT INTO t (a, b) VALUES`): a cut
 * counts only if the parser confirms it (the chunk parses, its end is not inside a comment,
 * and every chunk but the last is nothing but rows), so the chunks parse exactly when the
 * whole statement does. Undefined when the statement is not of that shape or a chunk fails:
 * the caller then parses the statement whole, which also locates a syntax error exactly.
 */
function bigInsert(
  sql: string,
  pos: number,
  parse: PgQuery["parse"],
  scan: PgQuery["scan"],
): { stmt: Record<string, unknown>; end: number } | undefined {
  // The scanner reads the statement's head; a head cut inside a string or comment fails to
  // scan, so shorter heads (ending at a line end when there is one) are tried in turn.
  let head = "";
  let tokens: { start: number; end: number; text: string; tokenName: string }[] | undefined;
  for (let n = 8192; n >= 128 && !tokens; n >>= 1) {
    const eol = sql.lastIndexOf("\n", pos + n);
    head = sql.slice(pos, eol > pos ? eol : pos + n);
    try {
      tokens = scan(head).tokens.filter((t) => t.tokenName !== "SQL_COMMENT" && t.tokenName !== "C_COMMENT");
    } catch {
      tokens = undefined;
    }
  }
  if (!tokens) return undefined;
  if (tokens[0]?.text.toUpperCase() !== "INSERT" || tokens[1]?.text.toUpperCase() !== "INTO") return undefined;
  const values = tokens.findIndex((t) => t.text.toUpperCase() === "VALUES");
  // The last token of the head may be cut short; VALUES must be followed by a row.
  if (values < 0 || tokens[values + 1]?.text !== "(" || values + 2 >= tokens.length) return undefined;
  if (tokens.slice(2, values).some((t) => /^(SELECT|WITH|DEFAULT)$/i.test(t.text))) return undefined;
  const headEnd = pos + new TextDecoder().decode(new TextEncoder().encode(head).subarray(0, tokens[values].end)).length;
  const header = sql.slice(pos, headEnd);
  const calls = new Map<string, unknown>();
  let insert: Record<string, unknown> | undefined;
  let a = headEnd; // start of the next chunk of rows
  let from = a; // where to look for the next candidate cut
  let misses = 0;
  while (misses <= MAX_MISSES) {
    const semi = sql.indexOf(";", from);
    // A `,` right after a `)` is the likely row boundary; any `,` when rows are laid out otherwise.
    const start = Math.max(from, a + ROW_CHUNK_CHARS);
    const after = sql.indexOf("),", start);
    const comma = after >= 0 && after < start + ROW_CHUNK_CHARS ? after + 1 : sql.indexOf(",", start);
    if (semi < 0 && comma < 0) return undefined; // the last statement without `;`: parsed whole
    const final = semi >= 0 && (comma < 0 || semi < comma);
    const cut = final ? semi : comma;
    let stmts: RawStatement[] | undefined;
    try {
      stmts = (parse(header + sql.slice(a, cut) + SENTINEL) as ParseTree).stmts;
    } catch {
      stmts = undefined;
    }
    const chunk = stmts?.length === 2 && stmts[1].stmt.SelectStmt
      ? stmts[0].stmt.InsertStmt as Record<string, unknown> | undefined
      : undefined;
    const select = (chunk?.selectStmt as { SelectStmt?: Record<string, unknown> } | undefined)?.SelectStmt;
    const rowsOnly = !select?.sortClause && !select?.limitCount && !select?.limitOffset &&
      !select?.lockingClause && !chunk?.onConflictClause &&
      !chunk?.returningList;
    const plain = !!select?.valuesLists && !select.withClause && !chunk?.withClause;
    if (!chunk || !plain || (!final && !rowsOnly)) {
      // A row (or a string) longer than a few chunks is not worth chasing: parse it whole.
      if (cut - a > 16 * ROW_CHUNK_CHARS) return undefined;
      misses++;
      from = cut + 1;
      continue;
    }
    insert ??= chunk;
    collectCalls(chunk, calls);
    if (final) return { stmt: { InsertStmt: reducedInsert(insert, calls) }, end: semi };
    a = cut + 1;
    from = a;
    misses = 0;
  }
  return undefined;
}
