/**
 * Snapshot keys (`schema.name`, `schema.table.column`, `schema.fn(args)`) turned into quoted
 * SQL names. Module-private to `src/diff/`.
 *
 * @module
 */
import { quoteIdent, quoteLiteral } from "../db/quote.ts";

/** `public.tb_user` → `public.tb_user`, `My Schema.t` → `"My Schema".t`. */
export function rel(key: string): string {
  const dot = key.indexOf(".");
  return `${quoteIdent(key.slice(0, dot))}.${quoteIdent(key.slice(dot + 1))}`;
}

/** The unqualified part of a `schema.name` key. */
export function local(key: string): string {
  return key.slice(key.indexOf(".") + 1);
}

/** The schema of a `schema.name` key. */
export function schemaOf(key: string): string {
  return key.slice(0, key.indexOf("."));
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
