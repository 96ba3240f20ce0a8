/**
 * One field of PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for tab,
 * newline, carriage return and backslash (decoding also takes octal and hex). The one codec
 * for every medium that moves COPY text: sync rewrites fields, schema-to-schema reads keys.
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
