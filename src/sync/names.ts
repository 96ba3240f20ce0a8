/**
 * Table and column keys in sync: `schema.table` and `schema.table.column`, one string each, used
 * in plans, reports, profile rules and `--tables`. A part holding a dot, a double quote or
 * white space is written in double quotes with `""` for a quote (`"my.schema".users`), so a key
 * always splits back into the names it was made of.
 *
 * @module
 */
import { quoteQualified } from "../db/quote.ts";

/** One part of a key: bare when that is unambiguous, else double-quoted. */
export function keyPart(name: string): string {
  return name !== "" && !/[."\s]/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The key of a table. */
export function tableKey(schema: string, name: string): string {
  return `${keyPart(schema)}.${keyPart(name)}`;
}

/** Split a key on the dots outside double quotes; undefined when a quote is left open or a part is empty. */
export function splitKey(key: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= key.length) {
    let part = "";
    if (key[i] === '"') {
      i++;
      for (;;) {
        if (i >= key.length) return undefined;
        if (key[i] === '"') {
          if (key[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += key[i++];
      }
      if (i < key.length && key[i] !== ".") return undefined;
    } else {
      const dot = key.indexOf(".", i);
      part = key.slice(i, dot < 0 ? key.length : dot);
      if (part === "" || part.includes('"')) return undefined;
      i += part.length;
    }
    parts.push(part);
    if (i >= key.length) break;
    i++; // the dot
    if (i >= key.length) return undefined;
  }
  return parts;
}

/** A table key as a quoted SQL name. */
export function sqlName(key: string): string {
  const parts = splitKey(key);
  if (!parts || parts.length !== 2) throw new Error(`not a table key: ${key}`);
  return quoteQualified(parts[0], parts[1]);
}
