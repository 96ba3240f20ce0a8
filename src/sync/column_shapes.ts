/**
 * What a column holds when it holds other values: arrays (and domains over them) down to
 * their element type, composite types down to their fields, json/jsonb and hstore. Read from
 * `pg_type`/`pg_attribute`; then a sample of json and hstore values gives the keys and values
 * the PII check looks at. The same queries on a server and on PGlite.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { quoteIdent, quoteQualified } from "../db/quote.ts";
import { categoryOf, type SyncCatalog, type SyncTable } from "./catalog.ts";
import { selectTables, type SyncSelection } from "./plan.ts";
import { parseJsonExact, rawNumber } from "./nested_mask.ts";
import { type ArrayItems, parseArray, parseHstore, parseRecord } from "./nested_text.ts";
import type { SampledLeaf, TypeShape, ValuePart } from "./rule.ts";
import { tableKey } from "./names.ts";

interface TypeRow {
  oid: string;
  name: string;
  kind: string;
  base: string;
  elem: string;
  category: string;
  relid: string;
  type: string;
  delim: string;
}

/** Rows sampled per table for the PII check of json/jsonb and hstore columns. */
export const SAMPLE_ROWS = 1000;
const VALUES_PER_LEAF = 20;

/**
 * Set `shape` on every column of `catalog` whose type is an array, a composite, json/jsonb or
 * hstore (or a domain over one); plain columns keep none, so their masking stays on the fast path.
 */
export async function readColumnShapes(db: Queryable, catalog: SyncCatalog): Promise<void> {
  const cols = await db.query<{ schema: string; table: string; name: string; oid: string; typmod: number }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, a.atttypid::text AS oid, a.atttypmod AS typmod
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND (t.typtype IN ('d', 'c') OR t.typcategory = 'A' OR t.typname IN ('json', 'jsonb', 'hstore'))`,
  );
  const wanted = cols.filter((c) => catalog.tables.has(tableKey(c.schema, c.table)));
  if (wanted.length === 0) return;
  const types = new Map<string, TypeRow>();
  const fields = new Map<string, { name: string; oid: string; typmod: number }[]>();
  let pending = [...new Set(wanted.map((c) => c.oid))];
  while (pending.length > 0) {
    const rows = await db.query<TypeRow>(
      `SELECT t.oid::text AS oid, t.typname::text AS name, t.typtype::text AS kind, t.typbasetype::text AS base,
              t.typelem::text AS elem, t.typcategory::text AS category, t.typrelid::text AS relid,
              format_type(t.oid, NULL) AS type, t.typdelim::text AS delim
         FROM pg_type t WHERE t.oid = ANY($1::oid[])`,
      [pending],
    );
    for (const r of rows) types.set(r.oid, r);
    const relids = rows.filter((r) => r.kind === "c").map((r) => r.relid);
    const attrs = relids.length === 0 ? [] : await db.query<{ rel: string; name: string; oid: string; typmod: number }>(
      `SELECT a.attrelid::text AS rel, a.attname AS name, a.atttypid::text AS oid, a.atttypmod AS typmod
         FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      [relids],
    );
    for (const a of attrs) {
      if (!fields.has(a.rel)) fields.set(a.rel, []);
      fields.get(a.rel)!.push(a);
    }
    const next = new Set<string>();
    for (const r of rows) {
      if (r.kind === "d") next.add(r.base);
      if (r.category === "A" && r.elem !== "0") next.add(r.elem);
    }
    for (const a of attrs) next.add(a.oid);
    pending = [...next].filter((o) => !types.has(o));
  }
  const shapeOf = (oid: string, typmod: number): TypeShape => {
    const t = types.get(oid);
    if (!t) return { kind: "scalar", type: "unknown", category: "other" };
    if (t.kind === "d") return shapeOf(t.base, typmod);
    if (t.category === "A" && t.elem !== "0" && t.delim === ",") {
      return { kind: "array", type: t.type, element: shapeOf(t.elem, typmod) };
    }
    if (t.kind === "c") {
      const fs = (fields.get(t.relid) ?? []).map((f) => ({ name: f.name, shape: shapeOf(f.oid, f.typmod) }));
      return { kind: "composite", type: t.type, fields: fs };
    }
    if (t.name === "json" || t.name === "jsonb") return { kind: "json", type: t.name as "json" | "jsonb" };
    if (t.name === "hstore") return { kind: "hstore", type: t.type };
    const maxLength = (t.name === "varchar" || t.name === "bpchar") && typmod > 4 ? typmod - 4 : undefined;
    return { kind: "scalar", type: t.type, category: categoryOf(t.name), ...(maxLength ? { maxLength } : {}) };
  };
  for (const c of wanted) {
    const shape = shapeOf(c.oid, c.typmod);
    if (shape.kind === "scalar") continue; // a domain over a plain type: the catalog has it already
    const column = catalog.tables.get(tableKey(c.schema, c.table))!.columns.find((x) => x.name === c.name);
    if (column) column.shape = shape;
  }
}

function holdsSampled(shape: TypeShape): boolean {
  if (shape.kind === "json" || shape.kind === "hstore") return true;
  if (shape.kind === "array") return holdsSampled(shape.element);
  return shape.kind === "composite" && shape.fields.some((f) => holdsSampled(f.shape));
}

/** The leaves of one value: json/hstore positions with the text found there. */
export function sampleValue(shape: TypeShape, text: string, parts: ValuePart[], add: (l: SampledLeaf) => void): void {
  switch (shape.kind) {
    case "array": {
      const each = (items: ArrayItems): void => {
        for (const v of items) {
          if (Array.isArray(v)) each(v);
          else if (v !== null) sampleValue(shape.element, v, [...parts, { each: true }], add);
        }
      };
      return each(parseArray(text).items);
    }
    case "composite":
      return parseRecord(text).forEach((v, i) => {
        const f = shape.fields[i];
        if (f && v !== null) sampleValue(f.shape, v, [...parts, { field: f.name }], add);
      });
    case "hstore":
      for (const [k, v] of parseHstore(text)) if (v !== null) add({ parts: [...parts, { key: k }], values: [v] });
      return;
    case "json": {
      const walk = (node: unknown, at: ValuePart[]): void => {
        const raw = rawNumber(node);
        if (typeof node === "string" || raw !== undefined) add({ parts: at, values: [raw ?? (node as string)] });
        else if (Array.isArray(node)) node.forEach((x) => walk(x, [...at, { json: "[*]" }]));
        else if (node !== null && typeof node === "object") {
          for (const [k, x] of Object.entries(node)) walk(x, [...at, { json: k }]);
        }
      };
      return walk(parseJsonExact(text), parts);
    }
  }
}

/**
 * Read the shapes of `catalog`'s columns and, with a selection (the source side), sample
 * the json/jsonb and hstore values of the selected tables. Returns the catalog.
 */
export async function readNestedColumns(
  db: Queryable,
  catalog: SyncCatalog,
  sample?: SyncSelection & { ignoreTables?: readonly string[] },
): Promise<SyncCatalog> {
  await readColumnShapes(db, catalog);
  if (sample) await sampleNested(db, selectTables(catalog, sample));
  return catalog;
}

/**
 * Sample up to {@link SAMPLE_ROWS} rows of every table with json/jsonb or hstore inside a
 * column, and record the positions and values seen on those columns (`samples`).
 */
export async function sampleNested(db: Queryable, tables: readonly SyncTable[]): Promise<void> {
  for (const table of tables) {
    const cols = table.columns.filter((c) => c.shape && holdsSampled(c.shape));
    if (cols.length === 0) continue;
    const list = cols.map((c, i) => `${quoteIdent(c.name)}::text AS c${i}`).join(", ");
    const rows = await db.query<Record<string, string | null>>(
      `SELECT ${list} FROM ${quoteQualified(table.schema, table.name)} LIMIT ${SAMPLE_ROWS}`,
    );
    cols.forEach((c, i) => {
      const leaves = new Map<string, SampledLeaf>();
      for (const row of rows) {
        const text = row[`c${i}`];
        if (text === null || text === undefined) continue;
        sampleValue(c.shape!, text, [], (leaf) => {
          const key = JSON.stringify(leaf.parts);
          const seen = leaves.get(key);
          if (!seen) leaves.set(key, { parts: leaf.parts, values: leaf.values.filter((v) => v !== "") });
          else if (seen.values.length < VALUES_PER_LEAF && leaf.values[0] !== "") seen.values.push(leaf.values[0]);
        });
      }
      c.samples = [...leaves.values()];
    });
  }
}
