/**
 * The PostgreSQL parser (libpg_query compiled to WASM), loaded on first use so commands that
 * never parse SQL do not pay for it. Parse trees are memoized by text: `migrate up` splits
 * each pending file and then lints the same text, and should parse it once.
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

const MAX_CACHED = 4096;
const MAX_CACHED_TEXT = 1 << 20;
const trees = new Map<string, Promise<ParseTree>>();

/**
 * Parse `sql`; rejects with libpg_query's error (its `sqlDetails` carry the cursor position).
 * The tree is shared between callers: treat it as read-only.
 */
export function parseTree(sql: string): Promise<ParseTree> {
  const hit = trees.get(sql);
  if (hit) return hit;
  const tree = loadParser().then((m) => m.parse(sql) as Promise<ParseTree>);
  if (sql.length <= MAX_CACHED_TEXT) {
    if (trees.size >= MAX_CACHED) trees.clear();
    trees.set(sql, tree);
  }
  return tree;
}
