/**
 * PostgreSQL's COPY text format: one row per line, fields separated by tabs, `\N` for NULL,
 * backslash escapes for tab, newline, carriage return and backslash.
 *
 * @module
 */

/** The text form of NULL in a COPY text field. */
export const COPY_NULL = "\\N";

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Encode a value as a COPY text field (`null` → `\N`).
 *
 * @example
 * ```ts
 * escapeCopyField("a\tb"); // "a\\tb"
 * ```
 */
export function escapeCopyField(value: string | null): string {
  if (value === null) return COPY_NULL;
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c]) : value;
}

/**
 * Decode a COPY text field (`\N` → `null`), including octal (`\123`) and hex (`\x41`) escapes.
 *
 * @example
 * ```ts
 * unescapeCopyField("a\\tb"); // "a\tb"
 * ```
 */
export function unescapeCopyField(field: string): string | null {
  if (field === COPY_NULL) return null;
  if (field.indexOf("\\") < 0) return field;
  let out = "";
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== "\\" || i + 1 >= field.length) {
      out += c;
      continue;
    }
    const n = field[++i];
    switch (n) {
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "v":
        out += "\v";
        break;
      case "x": {
        const m = /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 1, i + 3));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += "x";
        break;
      }
      default:
        if (n >= "0" && n <= "7") {
          const m = /^[0-7]{1,3}/.exec(field.slice(i, i + 3))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else out += n;
    }
  }
  return out;
}

/** Rewrites selected fields of one COPY row; receives and returns decoded values. */
export type FieldRewriter = (value: string | null) => string | null;

/**
 * A stream of COPY text rows in which the fields at `columns` are decoded, rewritten and
 * re-encoded while every other byte passes through. Rows are never gathered beyond one chunk.
 *
 * `onRows` is told how many rows each chunk carried.
 */
export function rewriteCopyRows(
  rewriters: ReadonlyMap<number, FieldRewriter>,
  onRows: (rows: number) => void,
): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const encoder = new TextEncoder();
  const indexes = [...rewriters.keys()].sort((a, b) => a - b);
  const fns = indexes.map((i) => rewriters.get(i)!);
  const last = indexes.length > 0 ? indexes[indexes.length - 1] : -1;
  let carry = "";

  const rewriteLine = (line: string, parts: string[]): void => {
    // Walk the tabs up to the last rewritten column, copying untouched spans whole.
    let start = 0;
    let col = 0;
    let k = 0;
    let copiedTo = 0;
    while (col <= last) {
      let end = line.indexOf("\t", start);
      if (end < 0) end = line.length;
      if (col === indexes[k]) {
        if (start > copiedTo) parts.push(line.slice(copiedTo, start));
        parts.push(escapeCopyField(fns[k](unescapeCopyField(line.slice(start, end)))));
        copiedTo = end;
        k++;
      }
      if (end === line.length) break;
      start = end + 1;
      col++;
    }
    parts.push(copiedTo === 0 ? line : line.slice(copiedTo));
    parts.push("\n");
  };

  const processText = (text: string, controller: TransformStreamDefaultController<Uint8Array>): void => {
    const parts: string[] = [];
    let rows = 0;
    let pos = 0;
    for (;;) {
      const nl = text.indexOf("\n", pos);
      if (nl < 0) break;
      rewriteLine(text.slice(pos, nl), parts);
      rows++;
      pos = nl + 1;
    }
    carry = text.slice(pos);
    if (rows > 0) {
      controller.enqueue(encoder.encode(parts.join("")));
      onRows(rows);
    }
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      processText(carry === "" ? text : carry + text, controller);
    },
    flush(controller) {
      const rest = carry + decoder.decode();
      carry = "";
      if (rest === "") return;
      processText(rest.endsWith("\n") ? rest : rest + "\n", controller);
    },
  });
}

/**
 * A pass-through stream that only counts rows (newlines): the fast path for tables with
 * nothing to anonymize. Bytes are never decoded or copied.
 */
export function countCopyRows(onRows: (rows: number) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      let rows = 0;
      let i = chunk.indexOf(10);
      while (i >= 0) {
        rows++;
        i = chunk.indexOf(10, i + 1);
      }
      controller.enqueue(chunk);
      if (rows > 0) onRows(rows);
    },
  });
}
