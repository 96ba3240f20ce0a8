/**
 * A catalog snapshot: the user-visible shape of a database (schemas, tables, columns,
 * constraints, indexes, views, functions, sequences, enums, triggers) as a plain JSON value,
 * read through PostgreSQL's own deparsers (`format_type`, `pg_get_expr`, `pg_get_indexdef`,
 * `pg_get_constraintdef`, `pg_get_viewdef`) so PostgreSQL 15 and PGlite 18 describe the same
 * DDL with the same strings. Like pg_dump, it reads with an empty `search_path`, so every name
 * outside `pg_catalog` comes out schema-qualified (`REFERENCES public.film(film_id)`,
 * `'paid'::public.order_status`): text that works whatever the search_path of the database a
 * migration later runs on.
 *
 * @module
 */
import type { Queryable, Session } from "../db/database.ts";
import { qualifiedKey } from "../db/qualified_name.ts";

import type { CatalogSnapshot } from "./types.ts";
import { type Keep, NOT_EXTENSION_MEMBER, readFunctions, readSequences, readTypes } from "./_objects.ts";
import { readPrivileges } from "./_privileges.ts";

export type {
  CatalogSnapshot,
  ColumnSnapshot,
  FunctionSnapshot,
  SequenceSnapshot,
  TableSnapshot,
  ViewSnapshot,
} from "./types.ts";

/** Options for {@link snapshotCatalog}. */
export interface SnapshotOptions {
  /** Only these schemas (default: every user schema). */
  schemas?: string[];
  /** Extra tables to leave out, as `name` (any schema) or `schema.name`. */
  excludeTables?: string[];
}

/** Tables never compared: Confiture's own bookkeeping. */
export const INTERNAL_TABLE = /^(tb_confiture(_progress)?|confiture.*)$/;
const INTERNAL_SCHEMA = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+|confiture.*)$/;

/**
 * Read the catalog of `db` into a snapshot.
 *
 * @example
 * ```ts
 * import { snapshotCatalog } from "./snapshot.ts";
 * import type { Database } from "../db/database.ts";
 * declare const db: Database;
 *
 * const snap = await snapshotCatalog(db, { excludeTables: ["audit.tb_migrations"] });
 * snap.tables["public.tb_user"].columns.email.type; // "text"
 * ```
 */
export function snapshotCatalog(db: Session, options: SnapshotOptions = {}): Promise<CatalogSnapshot> {
  return readQualified(db, (q) => readSnapshot(q, options));
}

/**
 * Run `read` the way pg_dump reads a catalog: in one transaction whose `search_path` is empty,
 * so the deparsers (`pg_get_viewdef`, `pg_get_constraintdef`, `pg_get_expr`, `format_type`,
 * `pg_get_functiondef`, `pg_get_indexdef`, `pg_get_triggerdef`) qualify every name outside
 * `pg_catalog`.
 *
 * @example
 * ```ts
 * import { readQualified } from "./snapshot.ts";
 * import type { Database } from "../db/database.ts";
 * declare const db: Database;
 *
 * await readQualified(db, (q) => q.query("SELECT pg_get_viewdef('public.v'::regclass, true)"));
 * // [{ pg_get_viewdef: " SELECT t.id\n   FROM public.t;" }]
 * ```
 */
export function readQualified<T>(db: Session, read: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.exec("SET LOCAL search_path = ''");
    return await read(tx);
  });
}

async function readSnapshot(db: Queryable, options: SnapshotOptions): Promise<CatalogSnapshot> {
  const allSchemas = (await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace n
      WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                          AND d.objid = n.oid AND d.deptype = 'e')
      ORDER BY nspname`,
  )).map((r) => r.name).filter((s) => !INTERNAL_SCHEMA.test(s));
  const schemas = options.schemas ? allSchemas.filter((s) => options.schemas!.includes(s)) : allSchemas;
  const excluded = new Set(options.excludeTables ?? []);
  const keepTable = (schema: string, name: string) =>
    !INTERNAL_TABLE.test(name) && !excluded.has(name) && !excluded.has(qualifiedKey({ schema, name }));

  const snap: CatalogSnapshot = {
    schemas,
    extensions: [],
    tables: {},
    views: {},
    functions: {},
    sequences: {},
    enums: {},
    domains: {},
    privileges: {},
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
  await readPolicies(db, params, snap);
  await readFunctions(db, params, snap);
  await readSequences(db, params, snap, keepTable);
  await readTypes(db, params, snap);
  await readPrivileges(db, params, snap);
  return snap;
}

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
    comment: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relrowsecurity AS rls,
            CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid, true) END AS viewdef,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
            obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r','p','v','m')
        AND ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    if (!keep(r.schema, r.name)) continue;
    const key = qualifiedKey(r);
    if (r.kind === "v" || r.kind === "m") {
      snap.views[key] = {
        kind: r.kind === "v" ? "view" : "materialized view",
        definition: normalizeSql(r.viewdef ?? ""),
        indexes: {},
        comment: r.comment,
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
        policies: {},
        comment: r.comment,
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
    comment: string | null;
  }>(
    `SELECT n.nspname || '.' || c.relname AS rel, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS expr, a.attidentity::text AS identity,
            a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
            col_description(a.attrelid, a.attnum) AS comment
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
      identityOptions: null,
      generated: generated ? { kind: generated, expression: r.expr ?? "" } : null,
      collation: r.collation,
      comment: r.comment,
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

async function readPolicies(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  const rows = await db.query<{
    rel: string;
    name: string;
    cmd: string;
    permissive: boolean;
    roles: string;
    using: string | null;
    check: string | null;
  }>(
    `SELECT n.nspname || '.' || c.relname AS rel, p.polname AS name, p.polcmd::text AS cmd,
            p.polpermissive AS permissive,
            (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ',' ORDER BY 1)
               FROM unnest(p.polroles) AS r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[])
      ORDER BY 1, 2`,
    params,
  );
  const commands = { "*": "all", r: "select", a: "insert", w: "update", d: "delete" } as const;
  for (const r of rows) {
    const table = snap.tables[r.rel];
    if (!table) continue;
    table.policies[r.name] = {
      command: commands[r.cmd as keyof typeof commands] ?? "all",
      permissive: r.permissive === true,
      roles: (r.roles ?? "").split(",").filter(Boolean).sort(),
      using: r.using,
      check: r.check,
    };
  }
}

/** Collapse whitespace so deparser layout differences between versions do not count. */
export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\s*;\s*$/, "").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")").trim();
}

function toPgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}
