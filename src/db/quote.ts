/**
 * Identifier and literal quoting for SQL we compose ourselves.
 *
 * @module
 */

/** Quote an identifier the way `quote_ident` does: only when needed. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Quote a possibly schema-qualified name given as separate parts. */
export function quoteQualified(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/**
 * Quote a string literal the way `quote_literal` does: a value with a backslash becomes an
 * `E'…'` literal with the backslashes doubled, so it reads the same whatever
 * `standard_conforming_strings` is.
 */
export function quoteLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

// Reserved keywords that cannot be bare identifiers (PostgreSQL 18 "reserved" category).
const RESERVED = new Set(
  ("all analyse analyze and any array as asc asymmetric both case cast check collate column constraint " +
    "create current_catalog current_date current_role current_time current_timestamp current_user default " +
    "deferrable desc distinct do else end except false fetch for foreign from grant group having in " +
    "initially intersect into lateral leading limit localtime localtimestamp not null offset on only or " +
    "order placing primary references returning select session_user some symmetric system_user table then to " +
    "trailing true union unique user using variadic when where window with authorization binary collation " +
    "concurrently cross current_schema freeze full ilike inner is isnull join left like natural notnull " +
    "outer overlaps right similar tablesample verbose").split(" "),
);
