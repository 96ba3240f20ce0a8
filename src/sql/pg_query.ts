/**
 * A thin binding to libpg_query's WebAssembly build (the `libpg-query` package's Emscripten
 * module), used instead of the package's own wrapper.
 *
 * Why: the wrapper copies every string across the boundary with Emscripten's JavaScript loops,
 * a byte at a time: `stringToUTF8` to encode the SQL and `UTF8ToString` to find the end of the
 * parse tree's JSON, which is ~20× the size of the SQL. Parsing the 120 up files of a
 * real-shaped chain spent about half its main-thread time in those loops (31 ms against 17 ms
 * with `TextEncoder.encodeInto`, `Uint8Array.indexOf` and `TextDecoder`, which run natively).
 * The wrapper also loads the `@pgsql/types` package at start-up, which nothing here needs.
 * Errors keep the wrapper's shape (`sqlDetails.cursorPosition`, 0-based characters).
 * It relies on the module's exported C functions and heap, which are the package's internals:
 * `pg_query_test.ts` pins the version and checks every answer against the wrapper's, so an
 * upgrade that changes them fails there first.
 *
 * @module
 */

/** The `libpg-query` version whose Emscripten module this binds to (checked by its test). */
export const LIBPG_QUERY_VERSION = "18.1.5";

/** A parse error of libpg_query, as the package's `SqlError` reports it. */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly sqlDetails: {
      message: string;
      cursorPosition: number;
      fileName?: string;
      functionName?: string;
      lineNumber?: number;
    },
  ) {
    super(message);
    this.name = "SqlError";
  }
}

/** One token of `scan`. */
export interface ScanToken {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordKind?: string;
}

/** The parser: both calls are synchronous once it is loaded. */
export interface PgQuery {
  /** The parse tree of `sql` (JSON as libpg_query gives it); throws SqlError. */
  parse(sql: string): unknown;
  /** The tokens of `sql`, comments included. */
  scan(sql: string): { version?: number; tokens: ScanToken[] };
}

// What this binding uses of the Emscripten module.
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(ptr: number): number;
  _wasm_free_parse_result(ptr: number): void;
  _wasm_scan(ptr: number): number;
  _wasm_free_string(ptr: number): void;
}

/** Instantiate the WebAssembly module (~50 ms, most of it compiling). */
export async function loadPgQuery(): Promise<PgQuery> {
  // @ts-ignore: the Emscripten glue has no type declarations
  const factory = (await import("libpg-query/wasm/libpg-query.js")).default as () => Promise<EmscriptenModule>;
  return binding(await factory());
}

function binding(m: EmscriptenModule): PgQuery {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  // The heap's views are replaced when the memory grows: read them after every call.
  const heap = () => m.HEAPU8;
  const i32 = (ptr: number) => new DataView(heap().buffer).getInt32(ptr, true);
  const text = (ptr: number) => {
    const h = heap();
    return decoder.decode(h.subarray(ptr, h.indexOf(0, ptr)));
  };
  // A NUL-terminated UTF-8 copy of `s` on the WASM heap; the caller frees it.
  const cString = (s: string) => {
    const bytes = utf8Length(s);
    const ptr = m._malloc(bytes + 1);
    const h = heap();
    encoder.encodeInto(s, h.subarray(ptr, ptr + bytes));
    h[ptr + bytes] = 0;
    return ptr;
  };
  return {
    parse(sql) {
      if (sql === "") throw new Error("Query cannot be empty");
      const query = cString(sql);
      let result = 0;
      try {
        result = m._wasm_parse_query_raw(query);
        if (!result) throw new Error("Failed to parse query: memory allocation failed");
        const [tree, error] = [i32(result), i32(result + 8)];
        if (error) {
          const message = i32(error) ? text(i32(error)) : "Unknown error";
          const [funcname, filename, lineno, cursor] = [
            i32(error + 4),
            i32(error + 8),
            i32(error + 12),
            i32(error + 16),
          ];
          throw new SqlError(message, {
            message,
            cursorPosition: cursor > 0 ? cursor - 1 : 0,
            fileName: filename ? text(filename) : undefined,
            functionName: funcname ? text(funcname) : undefined,
            lineNumber: lineno > 0 ? lineno : undefined,
          });
        }
        if (!tree) throw new Error("No parse tree generated");
        return JSON.parse(text(tree));
      } finally {
        m._free(query);
        if (result) m._wasm_free_parse_result(result);
      }
    },
    scan(sql) {
      const query = cString(sql);
      let result = 0;
      try {
        result = m._wasm_scan(query);
        const out = text(result);
        if (/^(syntax error|deparse error|ERROR)/.test(out)) throw new Error(out);
        return JSON.parse(out);
      } finally {
        m._free(query);
        if (result) m._wasm_free_string(result);
      }
    },
  };
}

/** Bytes of `s` in UTF-8 (a lone surrogate counts 3, as `TextEncoder` writes U+FFFD). */
export function utf8Length(s: string): number {
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      [n, i] = [n + 4, i + 1];
    } else n += 3;
  }
  return n;
}
