/**
 * What sync needs to know about the tables of one database: columns with their types, unique
 * columns, owned sequences, foreign keys and user triggers. Read from `pg_catalog` in a few
 * queries, the same way on a server and on PGlite.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import type { ColumnCategory, SampledLeaf, TypeShape } from "./rule.ts";
import { tableKey } from "./names.ts";

/** One column of a table. */
export interface SyncColumn {
  name: string;
  /** `format_type()`, e.g. `character varying(40)`. */
  type: string;
  category: ColumnCategory;
  maxLength?: number;
  notNull: boolean;
  /** `GENERATED ALWAYS AS (…) STORED`: never copied, the target computes it. */
  generated: boolean;
  /** Has a default or is an identity column, so a load may leave it out. */
  hasDefault: boolean;
  unique: boolean;
  /** The sequence behind an identity or serial column, schema-qualified and quoted. */
  sequence?: string;
  /** Arrays, composites, json/jsonb, hstore: what the value holds (set by `readColumnShapes`). */
  shape?: TypeShape;
  /** json/jsonb and hstore positions seen in the data (set by `sampleNested`, source only). */
  samples?: SampledLeaf[];
}

/** One table (or partitioned table). */
export interface SyncTable {
  schema: string;
  name: string;
  /** `schema.name` (see names.ts for quoting), the key used in plans, globs and reports. */
  key: string;
  partitioned: boolean;
  /** A partitioned table's partitions at every level, by key; they load through this root. */
  partitions?: string[];
  /** `pg_class.reltuples`; undefined when the table was never analysed. */
  estimate?: number;
  columns: SyncColumn[];
  hasUserTriggers: boolean;
}

/** A foreign key between two tables, by table key. */
export interface SyncForeignKey {
  name: string;
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
  deferrable: boolean;
}

/** The tables and foreign keys of the schemas read. */
export interface SyncCatalog {
  tables: Map<string, SyncTable>;
  foreignKeys: SyncForeignKey[];
}

const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') " +
  "AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";

/**
 * Read the catalog of `schemas` (every user schema when empty). Tables that belong to an
 * extension and leaf partitions (loaded through their parent) are left out.
 */
export async function readSyncCatalog(db: Queryable, schemas: readonly string[] = []): Promise<SyncCatalog> {
  const schemaFilter = schemas.length > 0 ? "n.nspname = ANY($1::text[])" : SYSTEM_SCHEMAS;
  const params = schemas.length > 0 ? [schemas] : [];
  const relFilter = `c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${schemaFilter}
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')`;
  const tables = await db.query<{ schema: string; name: string; kind: string; estimate: number; triggers: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.reltuples::float8 AS estimate,
            EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${relFilter}
      ORDER BY 1, 2`,
    params,
  );
  const columns = await db.query<{
    schema: string;
    table: string;
    name: string;
    type: string;
    base: string;
    max_length: number | null;
    not_null: boolean;
    generated: string;
    has_default: boolean;
    unique: boolean;
    sequence: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type,
            COALESCE(bt.typname, t.typname)::text AS base,
            CASE WHEN COALESCE(bt.oid, t.oid) IN (1042, 1043) AND COALESCE(NULLIF(a.atttypmod, -1), t.typtypmod) > 4
                 THEN COALESCE(NULLIF(a.atttypmod, -1), t.typtypmod) - 4 END AS max_length,
            a.attnotnull AS not_null, a.attgenerated::text AS generated,
            (a.atthasdef OR a.attidentity <> '') AS has_default,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                      AND a.attnum = ANY(i.indkey::int2[])) AS unique,
            pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
      WHERE a.attnum > 0 AND NOT a.attisdropped AND ${relFilter}
      ORDER BY 1, 2, a.attnum`,
    params,
  );
  const fks = await db.query<{
    name: string;
    child_schema: string;
    child: string;
    parent_schema: string;
    parent: string;
    child_columns: string[];
    parent_columns: string[];
    deferrable: boolean;
  }>(
    // A partition's own foreign key (pg_dump puts pagila's on each leaf) counts as its root's:
    // leaves are loaded through the root, so the FK graph only knows roots.
    `SELECT con.conname AS name, cn.nspname AS child_schema, cc.relname AS child,
            pn.nspname AS parent_schema, pc.relname AS parent, con.condeferrable AS deferrable,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS child_columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS parent_columns
       FROM pg_constraint con
       JOIN pg_class cc ON cc.oid = COALESCE(pg_partition_root(con.conrelid), con.conrelid)
       JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = COALESCE(pg_partition_root(con.confrelid), con.confrelid)
       JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0
      ORDER BY 2, 3, 1`,
  );
  const leaves = await db.query<{ schema: string; name: string; root_schema: string; root: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, rn.nspname AS root_schema, r.relname AS root
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = pg_partition_root(c.oid) JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE c.relispartition
      ORDER BY 1, 2`,
  );

  const out = new Map<string, SyncTable>();
  for (const t of tables) {
    const key = tableKey(t.schema, t.name);
    const estimate = Number(t.estimate);
    out.set(key, {
      schema: t.schema,
      name: t.name,
      key,
      partitioned: t.kind === "p",
      estimate: estimate >= 0 ? estimate : undefined,
      columns: [],
      hasUserTriggers: Boolean(t.triggers),
    });
  }
  for (const c of columns) {
    const table = out.get(tableKey(c.schema, c.table));
    if (!table) continue;
    table.columns.push({
      name: c.name,
      type: c.type,
      category: categoryOf(c.base),
      maxLength: c.max_length === null ? undefined : Number(c.max_length),
      notNull: Boolean(c.not_null),
      generated: c.generated !== "",
      hasDefault: Boolean(c.has_default),
      unique: Boolean(c.unique),
      sequence: c.sequence ?? undefined,
    });
  }
  for (const l of leaves) {
    const root = out.get(tableKey(l.root_schema, l.root));
    if (root) (root.partitions ??= []).push(tableKey(l.schema, l.name));
  }
  // The same key on every leaf is one edge between roots.
  const seen = new Set<string>();
  const unique = fks.filter((f) => {
    const id = JSON.stringify([f.child_schema, f.child, f.parent_schema, f.parent, f.child_columns, f.parent_columns]);
    return !seen.has(id) && seen.add(id) !== undefined;
  });
  return {
    tables: out,
    foreignKeys: unique.map((f) => ({
      name: f.name,
      child: tableKey(f.child_schema, f.child),
      parent: tableKey(f.parent_schema, f.parent),
      childColumns: f.child_columns,
      parentColumns: f.parent_columns,
      deferrable: Boolean(f.deferrable),
    })),
  };
}

/** Map a base type name to the category strategies care about. */
export function categoryOf(typname: string): ColumnCategory {
  switch (typname) {
    case "text":
    case "varchar":
    case "bpchar":
    case "citext":
    case "name":
      return "text";
    case "date":
    case "timestamp":
    case "timestamptz":
    case "inet":
    case "cidr":
    case "uuid":
      return typname;
    default:
      return "other";
  }
}
