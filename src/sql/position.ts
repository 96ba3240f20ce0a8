/**
 * Map a server error position (1-based character offset into the text sent) to a line and
 * column in the file the text came from.
 *
 * @module
 */

/** 1-based line and column of a 1-based character (code point) offset in `text`. */
export function lineColumnAt(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let n = 1;
  for (const ch of text) {
    if (n >= position) break;
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
    n++;
  }
  return { line, column };
}

/** 1-based line and column of a 0-based UTF-8 byte offset in `text` (libpg_query locations). */
export function lineColumnAtByte(text: string, byteOffset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let bytes = 0;
  for (const ch of text) {
    if (bytes >= byteOffset) break;
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}
