/**
 * A catalog snapshot: the user-visible shape of a database (schemas, tables, columns,
 * constraints, indexes, views, functions, sequences, enums, triggers) as a plain JSON value,
 * read through PostgreSQL's own deparsers (`format_type`, `pg_get_expr`, `pg_get_indexdef`,
 * `pg_get_constraintdef`, `pg_get_viewdef`) so PostgreSQL 15 and PGlite 18 describe the same
 * DDL with the same strings.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";

/** One column of a table, view-independent. */
export interface ColumnSnapshot {
  /** 1-based position among live columns (dropped columns do not count). */
  position: number;
  /** `format_type` output, e.g. `character varying(255)`, `timestamp with time zone`. */
  type: string;
  nullable: boolean;
  /** `pg_get_expr` of the default; null when none. For generated columns: null. */
  default: string | null;
  /** `always` / `by default` for identity columns, null otherwise. */
  identity: "always" | "by default" | null;
  /** The generation expression of a generated column (`stored` or `virtual`), null otherwise. */
  generated: { kind: "stored" | "virtual"; expression: string } | null;
  /** Collation when it differs from the type's default, else null. */
  collation: string | null;
}

/** A table or partitioned table with what hangs off it. */
export interface TableSnapshot {
  kind: "table" | "partitioned table";
  columns: Record<string, ColumnSnapshot>;
  /** Keyed by constraint name; NOT NULL markers are column facts, not listed here. */
  constraints: Record<string, { type: string; definition: string }>;
  /** Keyed by index name; indexes that back a primary key, unique or exclusion constraint are left to the constraint. */
  indexes: Record<string, { definition: string }>;
  /** Keyed by trigger name; internal (constraint) triggers excluded. */
  triggers: Record<string, { definition: string; enabled: string }>;
  rowSecurity: boolean;
  /** `pg_get_partkeydef` of a partitioned table (`RANGE (created)`), else null. */
  partitionKey: string | null;
  /** For a partition: its parent (`schema.table`) and bound (`FOR VALUES FROM … TO …`), else null. */
  partitionOf: { parent: string; bound: string } | null;
}

/** A view or materialized view. */
export interface ViewSnapshot {
  kind: "view" | "materialized view";
  /** `pg_get_viewdef(oid, true)` with runs of whitespace collapsed. */
  definition: string;
  /** Materialized views can carry indexes. */
  indexes: Record<string, { definition: string }>;
}

/** A function or procedure, keyed by `schema.name(identity arguments)`. */
export interface FunctionSnapshot {
  kind: "function" | "procedure" | "aggregate" | "window";
  returns: string | null;
  language: string;
  volatility: "immutable" | "stable" | "volatile";
  strict: boolean;
  securityDefiner: boolean;
  /** The body as written (trimmed), or the deparsed SQL-standard body. */
  body: string;
}

/** A sequence that is not the hidden sequence of an identity column. */
export interface SequenceSnapshot {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `table.column` when the sequence is OWNED BY a column (serial), else null. */
  ownedBy: string | null;
}

/** Everything Confiture compares between two databases. Plain JSON: safe to store or print. */
export interface CatalogSnapshot {
  schemas: string[];
  extensions: string[];
  /** Keyed by `schema.table`. */
  tables: Record<string, TableSnapshot>;
  /** Keyed by `schema.view`. */
  views: Record<string, ViewSnapshot>;
  /** Keyed by `schema.name(args)`. */
  functions: Record<string, FunctionSnapshot>;
  /** Keyed by `schema.sequence`. */
  sequences: Record<string, SequenceSnapshot>;
  /** Keyed by `schema.type`; labels in sort order. */
  enums: Record<string, string[]>;
  /** Keyed by `schema.domain`. */
  domains: Record<string, { type: string; nullable: boolean; default: string | null; checks: string[] }>;
}

/** Options for {@link snapshotCatalog}. */
export interface SnapshotOptions {
  /** Only these schemas (default: every user schema). */
  schemas?: string[];
  /** Extra tables to leave out, as `name` (any schema) or `schema.name`. */
  excludeTables?: string[];
}

/** Tables never compared: Confiture's own bookkeeping. */
export const INTERNAL_TABLE = /^(tb_confiture|confiture.*)$/;
const INTERNAL_SCHEMA = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+|confiture.*)$/;

/**
 * Read the catalog of `db` into a snapshot.
 *
 * @example
 * ```ts
 * const snap = await snapshotCatalog(db, { excludeTables: ["audit.tb_migrations"] });
 * snap.tables["public.tb_user"].columns.email.type; // "text"
 * ```
 */
export async function snapshotCatalog(db: Queryable, options: SnapshotOptions = {}): Promise<CatalogSnapshot> {
  const allSchemas = (await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace n
      WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                          AND d.objid = n.oid AND d.deptype = 'e')
      ORDER BY nspname`,
  )).map((r) => r.name).filter((s) => !INTERNAL_SCHEMA.test(s));
  const schemas = options.schemas ? allSchemas.filter((s) => options.schemas!.includes(s)) : allSchemas;
  const excluded = new Set(options.excludeTables ?? []);
  const keepTable = (schema: string, name: string) =>
    !INTERNAL_TABLE.test(name) && !excluded.has(name) && !excluded.has(`${schema}.${name}`);

  const snap: CatalogSnapshot = {
    schemas,
    extensions: [],
    tables: {},
    views: {},
    functions: {},
    sequences: {},
    enums: {},
    domains: {},
  };
  if (schemas.length === 0) return snap;
  // Parameters as a text array literal: both drivers accept a string for `$1::text[]`.
  const params = [toPgArray(schemas)];

  snap.extensions = (await db.query<{ name: string }>(
    `SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname`,
  )).map((r) => r.name);

  await readRelations(db, params, snap, keepTable);
  await readColumns(db, params, snap);
  await readConstraints(db, params, snap);
  await readIndexes(db, params, snap);
  await readTriggers(db, params, snap);
  await readFunctions(db, params, snap);
  await readSequences(db, params, snap, keepTable);
  await readTypes(db, params, snap);
  return snap;
}

type Keep = (schema: string, name: string) => boolean;

// Objects created by an extension belong to it, not to the schema under comparison.
const NOT_EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass
     AND dep.objid = ${oid} AND dep.deptype = 'e')`;

async function readRelations(db: Queryable, params: unknown[], snap: CatalogSnapshot, keep: Keep): Promise<void> {
  const rows = await db.query<{
    schema: string;
    name: string;
    kind: string;
    rls: boolean;
    viewdef: string | null;
    partkey: string | null;
    parent: string | null;
    bound: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relrowsecurity AS rls,
            CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid, true) END AS viewdef,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r','p','v','m')
        AND ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    if (!keep(r.schema, r.name)) continue;
    const key = `${r.schema}.${r.name}`;
    if (r.kind === "v" || r.kind === "m") {
      snap.views[key] = {
        kind: r.kind === "v" ? "view" : "materialized view",
        definition: normalizeSql(r.viewdef ?? ""),
        indexes: {},
      };
    } else {
      snap.tables[key] = {
        kind: r.kind === "p" ? "partitioned table" : "table",
        columns: {},
        constraints: {},
        indexes: {},
        triggers: {},
        rowSecurity: r.rls === true,
        partitionKey: r.partkey,
        partitionOf: r.parent ? { parent: r.parent, bound: r.bound ?? "" } : null,
      };
    }
  }
}

async function readColumns(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const rows = await db.query<{
    rel: string;
    name: string;
    type: string;
    notnull: boolean;
    expr: string | null;
    identity: string;
    generated: string;
    collation: string | null;
  }>(
    `SELECT n.nspname || '.' || c.relname AS rel, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS expr, a.attidentity::text AS identity,
            a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r','p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, a.attnum`,
    params,
  );
  let lastRel = "";
  let position = 0;
  for (const r of rows) {
    const table = snap.tables[r.rel];
    if (!table) continue;
    position = r.rel === lastRel ? position + 1 : 1;
    lastRel = r.rel;
    const generated = r.generated === "s" ? "stored" : r.generated === "v" ? "virtual" : null;
    table.columns[r.name] = {
      position,
      type: r.type,
      nullable: !r.notnull,
      default: generated ? null : r.expr,
      identity: r.identity === "a" ? "always" : r.identity === "d" ? "by default" : null,
      generated: generated ? { kind: generated, expression: r.expr ?? "" } : null,
      collation: r.collation,
    };
  }
}

const CONSTRAINT_TYPES: Record<string, string> = {
  p: "primary key",
  u: "unique",
  f: "foreign key",
  c: "check",
  x: "exclusion",
  t: "trigger",
};

async function readConstraints(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  // contype 'n' (NOT NULL, catalogued since PostgreSQL 18) is a column fact; PG 15 has no such rows.
  const rows = await db.query<{ rel: string; name: string; type: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS rel, k.conname AS name, k.contype::text AS type,
            pg_get_constraintdef(k.oid, true) AS def
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND k.contype IN ('p','u','f','c','x','t')
        AND (k.conparentid = 0 OR k.conparentid IS NULL)
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    const table = snap.tables[r.rel];
    if (table) table.constraints[r.name] = { type: CONSTRAINT_TYPES[r.type] ?? r.type, definition: r.def };
  }
}

async function readIndexes(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const rows = await db.query<{ rel: string; name: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS rel, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p','u','x'))
        AND NOT ic.relispartition
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    const owner = snap.tables[r.rel] ?? snap.views[r.rel];
    if (owner) owner.indexes[r.name] = { definition: r.def };
  }
}

async function readTriggers(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const rows = await db.query<{ rel: string; name: string; def: string; enabled: string }>(
    `SELECT n.nspname || '.' || c.relname AS rel, t.tgname AS name, pg_get_triggerdef(t.oid, true) AS def,
            t.tgenabled::text AS enabled
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND NOT t.tgisinternal
        AND (t.tgparentid = 0 OR t.tgparentid IS NULL)
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    const table = snap.tables[r.rel];
    if (table) {
      table.triggers[r.name] = {
        definition: r.def,
        enabled: { O: "origin", D: "disabled", R: "replica", A: "always" }[r.enabled] ?? r.enabled,
      };
    }
  }
}

async function readFunctions(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const rows = await db.query<{
    schema: string;
    name: string;
    args: string;
    kind: string;
    returns: string | null;
    language: string;
    volatility: string;
    strict: boolean;
    secdef: boolean;
    src: string | null;
    sqlbody: string | null;
  }>(
    `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
            p.prokind::text AS kind,
            CASE WHEN p.prokind IN ('f','w') THEN pg_get_function_result(p.oid) END AS returns,
            l.lanname AS language, p.provolatile::text AS volatility, p.proisstrict AS strict,
            p.prosecdef AS secdef, p.prosrc AS src,
            CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) END AS sqlbody
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_language l ON l.oid = p.prolang
      WHERE n.nspname = ANY($1::text[]) AND ${NOT_EXTENSION_MEMBER("pg_proc", "p.oid")}
      ORDER BY 1, 2, 3`,
    params,
  );
  for (const r of rows) {
    snap.functions[`${r.schema}.${r.name}(${r.args})`] = {
      kind: ({ f: "function", p: "procedure", a: "aggregate", w: "window" } as const)[r.kind as "f"] ?? "function",
      returns: r.returns,
      language: r.language,
      volatility: r.volatility === "i" ? "immutable" : r.volatility === "s" ? "stable" : "volatile",
      strict: r.strict === true,
      securityDefiner: r.secdef === true,
      body: (r.sqlbody ?? r.src ?? "").trim(),
    };
  }
}

async function readSequences(db: Queryable, params: unknown[], snap: CatalogSnapshot, keep: Keep): Promise<void> {
  // Identity columns own a hidden sequence (deptype 'i'); the column's identity already says it all.
  const rows = await db.query<{
    schema: string;
    name: string;
    type: string;
    start: string;
    inc: string;
    min: string;
    max: string;
    cache: string;
    cycle: boolean;
    owner_schema: string | null;
    owner_table: string | null;
    owner_column: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
            s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min, s.seqmax::text AS max,
            s.seqcache::text AS cache, s.seqcycle AS cycle,
            tn.nspname AS owner_schema, tc.relname AS owner_table, a.attname AS owner_column
       FROM pg_sequence s
       JOIN pg_class c ON c.oid = s.seqrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a','i')
       LEFT JOIN pg_class tc ON tc.oid = d.refobjid
       LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE n.nspname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid
                          AND i.deptype = 'i')
        AND ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    if (!keep(r.schema, r.name)) continue;
    if (r.owner_table && !keep(r.owner_schema!, r.owner_table)) continue;
    snap.sequences[`${r.schema}.${r.name}`] = {
      type: r.type,
      start: r.start,
      increment: r.inc,
      min: r.min,
      max: r.max,
      cache: r.cache,
      cycle: r.cycle === true,
      ownedBy: r.owner_table ? `${r.owner_schema}.${r.owner_table}.${r.owner_column}` : null,
    };
  }
}

async function readTypes(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const labels = await db.query<{ type: string; label: string }>(
    `SELECT n.nspname || '.' || t.typname AS type, e.enumlabel AS label
       FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1::text[]) AND ${NOT_EXTENSION_MEMBER("pg_type", "t.oid")}
      ORDER BY 1, e.enumsortorder`,
    params,
  );
  for (const r of labels) (snap.enums[r.type] ??= []).push(r.label);

  const domains = await db.query<
    { name: string; type: string; notnull: boolean; def: string | null; check: string | null }
  >(
    `SELECT n.nspname || '.' || t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS type,
            t.typnotnull AS notnull, t.typdefault AS def, pg_get_constraintdef(k.oid, true) AS check
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_constraint k ON k.contypid = t.oid AND k.contype = 'c'
      WHERE t.typtype = 'd' AND n.nspname = ANY($1::text[]) AND ${NOT_EXTENSION_MEMBER("pg_type", "t.oid")}
      ORDER BY 1, k.conname`,
    params,
  );
  for (const r of domains) {
    const d = snap.domains[r.name] ??= { type: r.type, nullable: !r.notnull, default: r.def, checks: [] };
    if (r.check) d.checks.push(r.check);
  }
}

/** Collapse whitespace so deparser layout differences between versions do not count. */
export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\s*;\s*$/, "").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")").trim();
}

function toPgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}
