/**
 * The entity-relationship model of a database, read from its catalog: tables with their
 * columns and keys, and one relationship per foreign key. Pure data, so rendering is a pure
 * function (`mermaid.ts`) with table-driven tests.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";

/** One column of an entity. */
export interface ErdColumn {
  name: string;
  /** `format_type` output, e.g. `character varying(255)`. */
  type: string;
  nullable: boolean;
  /** Part of the primary key. */
  pk: boolean;
  /** Part of a foreign key. */
  fk: boolean;
  /** Alone in a UNIQUE constraint or unique index (not the primary key). */
  uk: boolean;
  comment: string | null;
}

/** A table (or partitioned table; partitions are folded into their root). */
export interface ErdEntity {
  schema: string;
  name: string;
  columns: ErdColumn[];
}

/** One foreign key: `from` references `to`. */
export interface ErdRelationship {
  constraint: string;
  from: { schema: string; name: string; columns: string[] };
  to: { schema: string; name: string; columns: string[] };
  /** Every referencing column is NOT NULL: each child row has exactly one parent. */
  required: boolean;
  /** The referencing columns are unique: at most one child per parent. */
  oneToOne: boolean;
}

/** The whole model. */
export interface ErdModel {
  entities: ErdEntity[];
  relationships: ErdRelationship[];
}

/** Schemas that are never drawn: the system's, and the tracking tables Confiture owns. */
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];

/** Options for {@link readErdModel}. */
export interface ReadErdOptions {
  /** Only these schemas (default: every user schema). */
  schemas?: string[];
  /** Tables left out, as `schema.name` or bare names (Confiture's own tables by default). */
  excludeTables?: string[];
}

/** Read the model of every user table of `db`. */
export async function readErdModel(db: Queryable, options: ReadErdOptions = {}): Promise<ErdModel> {
  const exclude = new Set(options.excludeTables ?? []);
  const keep = (schema: string, name: string) =>
    !exclude.has(name) && !exclude.has(`${schema}.${name}`) && !/^tb_confiture(_progress)?$/.test(name) &&
    (!options.schemas || options.schemas.includes(schema));

  const columns = await db.query<{
    schema: string;
    table: string;
    column: string;
    type: string;
    nullable: boolean;
    comment: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
            pg_catalog.col_description(c.oid, a.attnum) AS comment
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY n.nspname, c.relname, a.attnum`,
    [SYSTEM_SCHEMAS],
  );
  const keys = await db.query<{
    name: string;
    type: string;
    schema: string;
    table: string;
    columns: string[];
    ref_schema: string | null;
    ref_table: string | null;
    ref_columns: string[] | null;
  }>(
    `SELECT k.conname AS name, k.contype::text AS type, n.nspname AS schema, root.relname AS table,
            ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)::text[] AS columns,
            rn.nspname AS ref_schema, rroot.relname AS ref_table,
            CASE WHEN k.contype = 'f' THEN ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)::text[]
            END AS ref_columns
       FROM pg_catalog.pg_constraint k
       JOIN LATERAL (SELECT COALESCE(
              (SELECT p.oid FROM pg_catalog.pg_partition_ancestors(k.conrelid) x(relid)
                 JOIN pg_catalog.pg_class p ON p.oid = x.relid WHERE NOT p.relispartition), k.conrelid) AS oid) r ON true
       JOIN pg_catalog.pg_class root ON root.oid = r.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = root.relnamespace
       LEFT JOIN LATERAL (SELECT COALESCE(
              (SELECT p.oid FROM pg_catalog.pg_partition_ancestors(k.confrelid) x(relid)
                 JOIN pg_catalog.pg_class p ON p.oid = x.relid WHERE NOT p.relispartition), k.confrelid) AS oid) f
              ON k.contype = 'f'
       LEFT JOIN pg_catalog.pg_class rroot ON rroot.oid = f.oid
       LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rroot.relnamespace
      WHERE k.contype IN ('p', 'u', 'f') AND k.conrelid <> 0 AND k.conparentid = 0
      UNION ALL
     SELECT i.relname, 'u', n.nspname, c.relname,
            ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) u(n)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.n)::text[], NULL, NULL, NULL
       FROM pg_catalog.pg_index x
       JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
       JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE x.indisunique AND NOT x.indisprimary AND x.indexprs IS NULL AND x.indpred IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid)
      ORDER BY 3, 4, 1`,
  );

  const entities = new Map<string, ErdEntity>();
  for (const c of columns) {
    if (!keep(c.schema, c.table)) continue;
    const key = `${c.schema}.${c.table}`;
    if (!entities.has(key)) entities.set(key, { schema: c.schema, name: c.table, columns: [] });
    entities.get(key)!.columns.push({
      name: c.column,
      type: c.type,
      nullable: c.nullable,
      pk: false,
      fk: false,
      uk: false,
      comment: c.comment,
    });
  }
  const column = (schema: string, table: string, name: string) =>
    entities.get(`${schema}.${table}`)?.columns.find((c) => c.name === name);
  const uniqueSets: string[] = [];
  for (const k of keys) {
    if (k.type === "p" || k.type === "u") uniqueSets.push(`${k.schema}.${k.table}:${[...k.columns].sort().join(",")}`);
    for (const name of k.columns) {
      const col = column(k.schema, k.table, name);
      if (!col) continue;
      if (k.type === "p") col.pk = true;
      else if (k.type === "f") col.fk = true;
      else if (k.columns.length === 1) col.uk = true;
    }
  }
  const relationships: ErdRelationship[] = [];
  // Foreign keys declared on each leaf partition (pagila's payment) are one relationship of the root.
  const seen = new Set<string>();
  for (const k of keys) {
    if (k.type !== "f" || !k.ref_schema || !k.ref_table) continue;
    if (!entities.has(`${k.schema}.${k.table}`) || !entities.has(`${k.ref_schema}.${k.ref_table}`)) continue;
    const id = JSON.stringify([k.schema, k.table, k.columns, k.ref_schema, k.ref_table, k.ref_columns]);
    if (seen.has(id)) continue;
    seen.add(id);
    relationships.push({
      constraint: k.name,
      from: { schema: k.schema, name: k.table, columns: k.columns },
      to: { schema: k.ref_schema, name: k.ref_table, columns: k.ref_columns ?? [] },
      required: k.columns.every((c) => column(k.schema, k.table, c)?.nullable === false),
      oneToOne: uniqueSets.includes(`${k.schema}.${k.table}:${[...k.columns].sort().join(",")}`),
    });
  }
  return { entities: [...entities.values()], relationships };
}
