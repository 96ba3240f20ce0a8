/**
 * Catalog reads for schema-to-schema: a table's columns, types and unique keys, on either side.
 *
 * @module
 */
import type { QualifiedName } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { quoteQualified } from "../db/quote.ts";

/** One column as the catalog describes it. */
export interface ColumnInfo {
  name: string;
  /** `format_type` output, e.g. `character varying(100)`. */
  type: string;
  notNull: boolean;
  /** Has a default, an identity or is generated: may be left out of an INSERT. */
  hasDefault: boolean;
  generated: boolean;
}

/** A table (or view) and what batching needs to know about it. */
export interface TableInfo {
  relkind: string;
  columns: ColumnInfo[];
  /** Primary-key columns in index order; empty when there is none. */
  primaryKey: string[];
  /** Column sets of every unique index (primary key included). */
  uniqueKeys: string[][];
}

/** Read a table's columns and keys; `undefined` when it does not exist. */
export async function readTable(db: Queryable, table: QualifiedName): Promise<TableInfo | undefined> {
  const [rel] = await db.query<{ oid: number; relkind: string }>(
    `SELECT c.oid::int AS oid, c.relkind::text AS relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [table.schema, table.name],
  );
  if (!rel) return undefined;
  const columns = await db.query<
    { name: string; type: string; not_null: boolean; has_default: boolean; generated: boolean }
  >(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS has_default, a.attgenerated <> '' AS generated
       FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [rel.oid],
  );
  const indexes = await db.query<{ primary: boolean; cols: string[] }>(
    `SELECT i.indisprimary AS primary,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols
       FROM pg_index i WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [rel.oid],
  );
  return {
    relkind: rel.relkind,
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.not_null,
      hasDefault: c.has_default,
      generated: c.generated,
    })),
    primaryKey: indexes.find((i) => i.primary)?.cols ?? [],
    uniqueKeys: indexes.map((i) => i.cols),
  };
}

/** The type of a SQL expression over a table's rows, evaluated without reading any row. */
export async function expressionType(db: Queryable, table: QualifiedName, expression: string): Promise<string> {
  const [row] = await db.query<{ type: string }>(
    `SELECT pg_typeof(s.x)::text AS type FROM (SELECT 1) d
       LEFT JOIN (SELECT (${expression}) AS x FROM ${quoteQualified(table.schema, table.name)} LIMIT 0) s ON true`,
  );
  return row.type;
}

/**
 * Whether a value of `from` can be stored in a column of type `to` on this database: same base
 * type, an implicit or assignment cast, or a string target (every type has a text form).
 */
export async function assignable(db: Queryable, from: string, to: string): Promise<"ok" | "unknown-type" | "no-cast"> {
  // Domains are compared by their base type, which is what casts are defined on.
  const [row] = await db.query<{ known: boolean; ok: boolean }>(
    `WITH t AS (
       SELECT f, coalesce((SELECT typbasetype FROM pg_type WHERE oid = f AND typtype = 'd'), f) AS fb,
              g, coalesce((SELECT typbasetype FROM pg_type WHERE oid = g AND typtype = 'd'), g) AS gb
         FROM (SELECT to_regtype($1) AS f, to_regtype($2) AS g) x)
     SELECT f IS NOT NULL AS known,
            coalesce(fb = gb
              OR EXISTS (SELECT 1 FROM pg_cast WHERE castsource = fb AND casttarget = gb AND castcontext IN ('i', 'a'))
              OR (SELECT typcategory FROM pg_type WHERE oid = gb) = 'S', false) AS ok
       FROM t`,
    [from, to],
  );
  if (!row.known) return "unknown-type";
  return row.ok ? "ok" : "no-cast";
}
