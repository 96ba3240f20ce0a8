/**
 * What the connected database knows about the tables a migration touches: live size
 * (`pg_class.reltuples`), column types, NOT NULL and validated `CHECK (col IS NOT NULL)`, and
 * function volatility. Read once before linting; the rules then stay synchronous and pure.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { quoteQualified } from "../db/quote.ts";
import { type ColumnType, type RelName, sameRel } from "./ast.ts";

/** One existing table. */
export interface TableFacts {
  rel: RelName;
  /** Estimated live rows; null when the table was never analyzed and is not empty. */
  rows: number | null;
  columns: Map<string, { type: ColumnType; notNull: boolean }>;
  /** Columns covered by a validated `CHECK (col IS NOT NULL)`. */
  notNullChecks: Set<string>;
}

/** Facts read from a live database. */
export interface LiveFacts {
  /** The table, or undefined when it does not exist there. */
  table(rel: RelName): TableFacts | undefined;
  /** `v`, `s` or `i` (the most volatile overload), or undefined when no function has that name. */
  volatility(fn: string): "v" | "s" | "i" | undefined;
  /** Whether the extension is installed. */
  extension(name: string): boolean;
}

interface ColumnRow extends Record<string, unknown> {
  attname: string;
  typname: string;
  atttypmod: number;
  attnotnull: boolean;
  is_array: boolean;
}

interface TableRow extends Record<string, unknown> {
  ord: number;
  reltuples: number;
  bytes: number | null;
  cols: string;
  checks: string;
}

/** Read the facts for these tables and functions: one catalog query for all the tables. */
export async function readLiveFacts(db: Queryable, tables: RelName[], functions: string[]): Promise<LiveFacts> {
  const unique: RelName[] = [];
  for (const rel of tables) if (!unique.some((u) => sameRel(u, rel))) unique.push(rel);
  const found: TableFacts[] = [];
  const rows = unique.length === 0 ? [] : await db.query<TableRow>(
    // pg_relation_size() waits for the table's lock; read it only for a table never analysed,
    // and not while someone holds it exclusively (a long migration elsewhere): the lint must
    // not hang before the migration's own lock_timeout applies. Unknown size is null.
    `SELECT r.ord::int AS ord, c.reltuples::float8 AS reltuples,
            CASE WHEN c.reltuples >= 0 THEN NULL
                 WHEN EXISTS (SELECT 1 FROM pg_locks l
                               WHERE l.locktype = 'relation' AND l.relation = c.oid AND l.granted
                                 AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()) THEN NULL
                 ELSE pg_relation_size(c.oid)::float8 END AS bytes,
            (SELECT coalesce(json_agg(json_build_object(
                      'attname', a.attname, 'typname', coalesce(et.typname, t.typname), 'atttypmod', a.atttypmod,
                      'attnotnull', a.attnotnull, 'is_array', t.typcategory = 'A')), '[]')::text
               FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
               LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols,
            (SELECT coalesce(json_agg(pg_get_constraintdef(k.oid)), '[]')::text FROM pg_constraint k
              WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.convalidated) AS checks
       FROM unnest($1::text[]) WITH ORDINALITY AS r(name, ord)
       JOIN pg_class c ON c.oid = to_regclass(r.name) AND c.relkind IN ('r', 'p', 'm')`,
    [unique.map((rel) => quoteQualified(rel.schema, rel.name))],
  );
  for (const row of rows) {
    const reltuples = Number(row.reltuples);
    // PostgreSQL 14+ reports -1 until the first VACUUM/ANALYZE; an empty heap still means 0 rows.
    const count = reltuples >= 0 ? Math.round(reltuples) : row.bytes !== null && Number(row.bytes) === 0 ? 0 : null;
    const cols = JSON.parse(row.cols) as ColumnRow[];
    const notNullChecks = new Set<string>();
    for (const def of JSON.parse(row.checks) as string[]) {
      const m = /^CHECK \(\(?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*) IS NOT NULL\)?\)$/.exec(def);
      if (m) notNullChecks.add(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]);
    }
    found.push({
      rel: unique[Number(row.ord) - 1],
      rows: count,
      columns: new Map(cols.map((c) => [c.attname, {
        type: decodeType(c.typname, Number(c.atttypmod), Boolean(c.is_array)),
        notNull: Boolean(c.attnotnull),
      }])),
      notNullChecks,
    });
  }
  const vol = new Map<string, "v" | "s" | "i">();
  if (functions.length > 0) {
    const rows = await db.query<{ proname: string; v: string }>(
      `SELECT proname, CASE WHEN bool_or(provolatile = 'v') THEN 'v' WHEN bool_or(provolatile = 's') THEN 's' ELSE 'i' END AS v
         FROM pg_proc WHERE proname = ANY($1::text[]) GROUP BY proname`,
      [functions],
    );
    for (const r of rows) vol.set(r.proname, r.v as "v" | "s" | "i");
  }
  const extensions = new Set(
    (await db.query<{ extname: string }>("SELECT extname FROM pg_extension")).map((r) => r.extname),
  );
  return {
    table: (rel) => found.find((t) => sameRel(t.rel, rel)),
    volatility: (fn) => vol.get(fn),
    extension: (name) => extensions.has(name),
  };
}

/** Turn `pg_type.typname` + `atttypmod` into the same shape the parser gives for a written type. */
export function decodeType(typname: string, typmod: number, isArray: boolean): ColumnType {
  let mods: number[] = [];
  if (typmod >= 0) {
    if (typname === "varchar" || typname === "bpchar") mods = [typmod - 4];
    else if (typname === "numeric") mods = [((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff];
    else mods = [typmod];
  }
  return { name: typname, mods, isArray };
}
