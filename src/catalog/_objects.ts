/**
 * Snapshot readers for objects outside tables and views: functions, sequences, enums, domains.
 * Module-private to `snapshot.ts`.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { qualifiedKey } from "../db/qualified_name.ts";
import type { CatalogSnapshot } from "./types.ts";

/** Whether a schema-qualified relation is compared. */
export type Keep = (schema: string, name: string) => boolean;

// Objects created by an extension belong to it, not to the schema under comparison.
export const NOT_EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass
     AND dep.objid = ${oid} AND dep.deptype = 'e')`;

/** Functions, procedures and aggregates. */
export async function readFunctions(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
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

/** Sequences other than identity columns' own. */
export async function readSequences(
  db: Queryable,
  params: unknown[],
  snap: CatalogSnapshot,
  keep: Keep,
): Promise<void> {
  // An identity column owns a hidden sequence (deptype 'i'): its options belong to the column.
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
    dep: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
            s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min, s.seqmax::text AS max,
            s.seqcache::text AS cache, s.seqcycle AS cycle,
            tn.nspname AS owner_schema, tc.relname AS owner_table, a.attname AS owner_column, d.deptype::text AS dep
       FROM pg_sequence s
       JOIN pg_class c ON c.oid = s.seqrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a','i')
       LEFT JOIN pg_class tc ON tc.oid = d.refobjid
       LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE n.nspname = ANY($1::text[])
        AND ${NOT_EXTENSION_MEMBER("pg_class", "c.oid")}
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    if (r.dep === "i") {
      const column = snap.tables[`${r.owner_schema}.${r.owner_table}`]?.columns[r.owner_column ?? ""];
      if (column) {
        column.identityOptions =
          `START ${r.start} INCREMENT ${r.inc} MINVALUE ${r.min} MAXVALUE ${r.max} CACHE ${r.cache}${
            r.cycle ? " CYCLE" : ""
          }`;
      }
      continue;
    }
    if (!keep(r.schema, r.name)) continue;
    if (r.owner_table && !keep(r.owner_schema!, r.owner_table)) continue;
    snap.sequences[qualifiedKey(r)] = {
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

/** Enums and domains. */
export async function readTypes(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
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
            t.typnotnull AS notnull, pg_get_expr(t.typdefaultbin, 0) AS def, pg_get_constraintdef(k.oid, true) AS check
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
