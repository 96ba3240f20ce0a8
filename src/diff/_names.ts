/**
 * Snapshot keys (`schema.name`, `schema.table.column`, `schema.fn(args)`) turned into quoted
 * SQL names: short names for the planner over `src/db/qualified_name.ts`, which owns the key
 * form. Module-private to `src/diff/`.
 *
 * @module
 */
import { formatQualifiedName, parseQualifiedKey } from "../db/qualified_name.ts";
import { quoteIdent, quoteLiteral } from "../db/quote.ts";

/** `public.tb_user` → `public.tb_user`, `My Schema.t` → `"My Schema".t`. */
export function rel(key: string): string {
  return formatQualifiedName(parseQualifiedKey(key));
}

/** The unqualified part of a `schema.name` key. */
export function local(key: string): string {
  return parseQualifiedKey(key).name;
}

/** The schema of a `schema.name` key. */
export function schemaOf(key: string): string {
  return parseQualifiedKey(key).schema;
}

/** `schema.fn(integer, text)` → `schema.fn(integer, text)` with the name parts quoted. */
export function fn(key: string): string {
  const open = key.indexOf("(");
  return `${rel(key.slice(0, open))}${key.slice(open)}`;
}

/** A quoted identifier. */
export const ident = quoteIdent;

/** A literal, or NULL. */
export function literal(value: string | null): string {
  return value === null ? "NULL" : quoteLiteral(value);
}
