/**
 * Table and column keys in sync: `schema.table` and `schema.table.column`, one string each, used
 * in plans, reports, profile rules and `--tables`. A part holding a dot, a double quote or
 * white space is written in double quotes with `""` for a quote (`"my.schema".users`), so a key
 * always splits back into the names it was made of.
 *
 * @module
 */
import { formatQualifiedName, splitQualifiedName } from "../db/qualified_name.ts";

/** One part of a key: bare when that is unambiguous, else double-quoted. */
export function keyPart(name: string): string {
  return name !== "" && !/[."\s]/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The key of a table. */
export function tableKey(schema: string, name: string): string {
  return `${keyPart(schema)}.${keyPart(name)}`;
}

/**
 * Split a key on the dots outside double quotes; undefined when a quote is left open or a part
 * is empty. A key is the written form of `src/db/qualified_name.ts`.
 */
export const splitKey: (key: string) => string[] | undefined = splitQualifiedName;

/** A table key as a quoted SQL name. */
export function sqlName(key: string): string {
  const parts = splitKey(key);
  if (!parts || parts.length !== 2) throw new Error(`not a table key: ${key}`);
  return formatQualifiedName({ schema: parts[0], name: parts[1] });
}
