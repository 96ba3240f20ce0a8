/**
 * The one offset → line:column mapping. Three kinds of offset reach us: libpg_query reports
 * node and statement locations as UTF-8 *byte* offsets, its parse errors and the server's
 * error positions count *characters* (code points), and JS strings index UTF-16 units. Each
 * caller converts to one of the first two and asks `SourceText`; the column it returns counts
 * characters, as an editor shows them.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A 1-based line and column; the column counts characters (code points), not bytes. */
export interface LineColumn {
  line: number;
  column: number;
}

/**
 * One SQL file's text, addressable by the parser's byte offsets and by character offsets.
 *
 * @example
 * ```ts
 * import { SourceText } from "./source_text.ts";
 * const s = new SourceText("-- é\nSELECT x");
 * s.positionAt(7); // byte 7: { line: 2, column: 3 }
 * s.positionAtChar(6); // character 6: { line: 2, column: 3 }
 * ```
 */
export class SourceText {
  readonly text: string;
  /** The text's length in UTF-8 bytes. */
  readonly byteLength: number;
  // Pure ASCII (most migrations, and every data dump): byte offsets are character offsets, so
  // no second copy of the text is kept as bytes.
  readonly #bytes: Uint8Array | undefined;
  readonly #lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    // deno-lint-ignore no-control-regex
    this.#bytes = /[^\x00-\x7f]/.test(text) ? encoder.encode(text) : undefined;
    this.byteLength = this.#bytes?.length ?? text.length;
    this.#lineStarts = [0];
    if (this.#bytes) {
      for (let i = 0; i < this.#bytes.length; i++) if (this.#bytes[i] === 0x0a) this.#lineStarts.push(i + 1);
    } else {
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.#lineStarts.push(i + 1);
    }
  }

  /** The text's UTF-8 bytes. */
  get bytes(): Uint8Array {
    return this.#bytes ?? encoder.encode(this.text);
  }

  /** The line and column of a 0-based UTF-8 byte offset (libpg_query locations). */
  positionAt(byteOffset: number): LineColumn {
    const offset = Math.max(0, Math.min(byteOffset, this.byteLength));
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    if (!this.#bytes) return { line: lo + 1, column: offset - this.#lineStarts[lo] + 1 };
    const prefix = decoder.decode(this.#bytes.subarray(this.#lineStarts[lo], offset));
    // Count code points, so a column matches what an editor shows for non-ASCII text.
    let column = 1;
    for (const _ of prefix) column++;
    return { line: lo + 1, column };
  }

  /**
   * The line and column of a 0-based character (code point) offset: libpg_query's parse
   * errors report `cursorPosition` that way (unlike node locations), and a server error's
   * 1-based `position` is this offset plus one. Offsets past the end map to the end.
   */
  positionAtChar(charOffset: number): LineColumn {
    let line = 1;
    let column = 1;
    let n = 0;
    for (const ch of this.text) {
      if (n >= charOffset) break;
      if (ch === "\n") [line, column] = [line + 1, 1];
      else column++;
      n++;
    }
    return { line, column };
  }

  /** The text between two byte offsets. */
  slice(startByte: number, endByte: number): string {
    if (!this.#bytes) return this.text.slice(startByte, endByte);
    return decoder.decode(this.#bytes.subarray(startByte, endByte));
  }
}

/**
 * The length of `s` in code points, as the server counts characters (a JS string's length
 * counts UTF-16 units): turns a string index into the character offset `positionAtChar` takes.
 * Spreading a string into an array to count them copied every statement.
 */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = s.search(/[\uD800-\uDBFF]/); i >= 0 && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) [n, i] = [n - 1, i + 1];
  }
  return n;
}
