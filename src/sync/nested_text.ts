/**
 * The text forms PostgreSQL writes for arrays, composite values and hstore, read into parts
 * and written back the way the server would accept them. Pure; used to mask the parts of a
 * value and to sample them for the PII check.
 *
 * @module
 */

/** An array's elements; an element is text, NULL, or a sub-array (more dimensions). */
export type ArrayItems = (string | null | ArrayItems)[];

/** A parsed array: its dimension decoration (`[0:2]=`, usually empty) and its items. */
export interface ParsedArray {
  bounds: string;
  items: ArrayItems;
}

const SPACE = /\s/;

/** Read `{a,"b c",NULL,{d}}` (delimiter `,`). Throws on text that is not an array literal. */
export function parseArray(text: string, delimiter = ","): ParsedArray {
  let i = 0;
  let bounds = "";
  if (text[0] === "[") {
    const eq = text.indexOf("=");
    if (eq < 0) throw new Error("malformed array literal");
    bounds = text.slice(0, eq + 1);
    i = eq + 1;
  }
  const level = (): ArrayItems => {
    if (text[i] !== "{") throw new Error("malformed array literal");
    i++;
    const items: ArrayItems = [];
    while (SPACE.test(text[i] ?? "")) i++;
    if (text[i] === "}") {
      i++;
      return items;
    }
    for (;;) {
      while (SPACE.test(text[i] ?? "")) i++;
      if (text[i] === "{") items.push(level());
      else if (text[i] === '"') {
        i++;
        let s = "";
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          s += text[i++];
        }
        if (text[i] !== '"') throw new Error("malformed array literal");
        i++;
        items.push(s);
      } else {
        let s = "";
        let quoted = false;
        while (i < text.length && text[i] !== delimiter && text[i] !== "}") {
          if (text[i] === "\\") {
            i++;
            quoted = true;
          }
          s += text[i++];
        }
        s = s.trimEnd();
        items.push(!quoted && s.toUpperCase() === "NULL" ? null : s);
      }
      while (SPACE.test(text[i] ?? "")) i++;
      if (text[i] === delimiter) i++;
      else if (text[i] === "}") {
        i++;
        return items;
      } else throw new Error("malformed array literal");
    }
  };
  const items = level();
  return { bounds, items };
}

/** Write an array back in the form `array_out` uses. */
export function formatArray(array: ParsedArray, delimiter = ","): string {
  const item = (v: string | null | ArrayItems): string => {
    if (v === null) return "NULL";
    if (Array.isArray(v)) return `{${v.map(item).join(delimiter)}}`;
    const needs = v === "" || v.toUpperCase() === "NULL" || /[{}"\\\s]/.test(v) || v.includes(delimiter);
    return needs ? `"${v.replace(/["\\]/g, "\\$&")}"` : v;
  };
  return array.bounds + item(array.items);
}

/** Read `(a,"b c",,"")`: one entry per field, NULL for an empty unquoted field. */
export function parseRecord(text: string): (string | null)[] {
  if (text[0] !== "(" || text[text.length - 1] !== ")") throw new Error("malformed record literal");
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  for (;;) {
    let s = "";
    let seen = false;
    while (i < end && text[i] !== ",") {
      if (text[i] === '"') {
        seen = true;
        i++;
        while (i < end) {
          if (text[i] === '"' && text[i + 1] === '"') {
            s += '"';
            i += 2;
          } else if (text[i] === '"') break;
          else if (text[i] === "\\") {
            s += text[i + 1];
            i += 2;
          } else s += text[i++];
        }
        i++;
      } else if (text[i] === "\\") {
        seen = true;
        s += text[i + 1];
        i += 2;
      } else {
        seen = true;
        s += text[i++];
      }
    }
    out.push(seen ? s : null);
    if (i >= end) return out;
    i++;
  }
}

/** Write a composite value back in the form `record_out` uses. */
export function formatRecord(fields: readonly (string | null)[]): string {
  const field = (v: string | null): string => {
    if (v === null) return "";
    const needs = v === "" || /[(),"\\\s]/.test(v);
    return needs ? `"${v.replace(/"/g, '""').replace(/\\/g, "\\\\")}"` : v;
  };
  return `(${fields.map(field).join(",")})`;
}

/** Read `"k"=>"v", "n"=>NULL` into ordered pairs. */
export function parseHstore(text: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  let i = 0;
  const skip = () => {
    while (SPACE.test(text[i] ?? "")) i++;
  };
  const token = (): { s: string; quoted: boolean } => {
    skip();
    let s = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        s += text[i++];
      }
      if (text[i] !== '"') throw new Error("malformed hstore literal");
      i++;
      return { s, quoted: true };
    }
    while (i < text.length && !/[=,\s]/.test(text[i])) {
      if (text[i] === "\\") i++;
      s += text[i++];
    }
    return { s, quoted: false };
  };
  skip();
  while (i < text.length) {
    const key = token();
    skip();
    if (text.slice(i, i + 2) !== "=>") throw new Error("malformed hstore literal");
    i += 2;
    const value = token();
    out.push([key.s, !value.quoted && value.s.toUpperCase() === "NULL" ? null : value.s]);
    skip();
    if (text[i] === ",") i++;
    skip();
  }
  return out;
}

/** Write hstore pairs back in the form `hstore_out` uses. */
export function formatHstore(pairs: readonly [string, string | null][]): string {
  const q = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;
  return pairs.map(([k, v]) => `${q(k)}=>${v === null ? "NULL" : q(v)}`).join(", ");
}
