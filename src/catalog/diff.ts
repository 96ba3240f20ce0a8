/**
 * Compare two catalog snapshots and describe every difference, grouped by the object a user
 * would go and fix. Pure functions.
 *
 * @module
 */
import type { CatalogSnapshot, ColumnSnapshot, SequenceSnapshot } from "./snapshot.ts";

/** The kind of catalog object a difference is about. */
export type CatalogObjectType =
  | "schema"
  | "extension"
  | "table"
  | "column"
  | "constraint"
  | "index"
  | "trigger"
  | "view"
  | "function"
  | "sequence"
  | "enum"
  | "domain"
  | "policy"
  | "privilege";

/** One difference: `missing` = only in expected, `extra` = only in actual, `changed` = both, differing. */
export interface CatalogDifference {
  kind: "missing" | "extra" | "changed";
  objectType: CatalogObjectType;
  /** Qualified name: `public.tb_user`, `public.tb_user.email`, `public.fn(integer)`. */
  object: string;
  /** The table or view the object belongs to (columns, constraints, indexes, triggers). */
  parent?: string;
  /** Which property changed (`type`, `default`, `definition`, …), for `changed`. */
  detail?: string;
  expected?: unknown;
  actual?: unknown;
}

/** Options for {@link diffCatalogs}. */
export interface DiffOptions {
  /** Report columns whose position differs (default false: ADD COLUMN always appends). */
  columnOrder?: boolean;
}

/**
 * Every difference between `expected` and `actual`, sorted by object.
 *
 * @example
 * ```ts
 * import { diffCatalogs, formatCatalogDiff } from "./diff.ts";
 * import { snapshotCatalog } from "./snapshot.ts";
 * import type { Database } from "../db/database.ts";
 * declare const fromDdl: Database, fromMigrations: Database;
 *
 * const diffs = diffCatalogs(await snapshotCatalog(fromDdl), await snapshotCatalog(fromMigrations));
 * if (diffs.length > 0) console.log(formatCatalogDiff(diffs, { expected: "DDL", actual: "migrations" }));
 * ```
 */
export function diffCatalogs(
  expected: CatalogSnapshot,
  actual: CatalogSnapshot,
  options: DiffOptions = {},
): CatalogDifference[] {
  const out: CatalogDifference[] = [];
  diffSet(out, "schema", expected.schemas, actual.schemas);
  diffSet(out, "extension", expected.extensions, actual.extensions);

  diffKeyed(out, "table", expected.tables, actual.tables, undefined, (name, e, a) => {
    if (e.kind !== a.kind) out.push(changed("table", name, "kind", e.kind, a.kind));
    if (e.rowSecurity !== a.rowSecurity) {
      out.push(changed("table", name, "row security", e.rowSecurity, a.rowSecurity));
    }
    if (e.partitionKey !== a.partitionKey) {
      out.push(changed("table", name, "partition key", e.partitionKey, a.partitionKey));
    }
    if (JSON.stringify(e.partitionOf) !== JSON.stringify(a.partitionOf)) {
      out.push(changed("table", name, "partition of", e.partitionOf, a.partitionOf));
    }
    if (e.comment !== a.comment) out.push(changed("table", name, "comment", e.comment, a.comment));
    diffKeyed(out, "column", e.columns, a.columns, name, (col, ec, ac) => diffColumn(out, col, name, ec, ac, options));
    diffKeyed(out, "constraint", e.constraints, a.constraints, name, (c, ek, ak) => {
      if (ek.type !== ak.type) out.push(changed("constraint", c, "type", ek.type, ak.type, name));
      else if (ek.definition !== ak.definition) {
        out.push(changed("constraint", c, "definition", ek.definition, ak.definition, name));
      }
    });
    diffIndexes(out, name, e.indexes, a.indexes);
    diffKeyed(out, "policy", e.policies, a.policies, name, (pol, ep, ap) => {
      for (const key of ["command", "permissive", "roles", "using", "check"] as const) {
        if (JSON.stringify(ep[key]) !== JSON.stringify(ap[key])) {
          out.push(changed("policy", pol, key, ep[key], ap[key], name));
        }
      }
    });
    diffKeyed(out, "trigger", e.triggers, a.triggers, name, (t, et, at) => {
      if (et.definition !== at.definition) {
        out.push(changed("trigger", t, "definition", et.definition, at.definition, name));
      }
      if (et.enabled !== at.enabled) out.push(changed("trigger", t, "enabled", et.enabled, at.enabled, name));
    });
  });

  diffKeyed(out, "view", expected.views, actual.views, undefined, (name, e, a) => {
    if (e.kind !== a.kind) out.push(changed("view", name, "kind", e.kind, a.kind));
    if (!sameViewDefinition(e.definition, a.definition)) {
      out.push(changed("view", name, "definition", e.definition, a.definition));
    }
    if (e.comment !== a.comment) out.push(changed("view", name, "comment", e.comment, a.comment));
    diffIndexes(out, name, e.indexes, a.indexes);
  });

  diffKeyed(out, "function", expected.functions, actual.functions, undefined, (name, e, a) => {
    for (const key of ["kind", "returns", "language", "volatility", "strict", "securityDefiner", "body"] as const) {
      if (e[key] !== a[key]) out.push(changed("function", name, key, e[key], a[key]));
    }
  });

  diffKeyed(out, "sequence", expected.sequences, actual.sequences, undefined, (name, e, a) => {
    for (const key of Object.keys(e) as (keyof SequenceSnapshot)[]) {
      if (e[key] !== a[key]) out.push(changed("sequence", name, key, e[key], a[key]));
    }
  });

  diffKeyed(out, "enum", expected.enums, actual.enums, undefined, (name, e, a) => {
    if (e.join("\u0000") !== a.join("\u0000")) out.push(changed("enum", name, "labels", e, a));
  });

  diffKeyed(out, "domain", expected.domains, actual.domains, undefined, (name, e, a) => {
    if (e.type !== a.type) out.push(changed("domain", name, "type", e.type, a.type));
    if (e.nullable !== a.nullable) out.push(changed("domain", name, "nullable", e.nullable, a.nullable));
    if (e.default !== a.default) out.push(changed("domain", name, "default", e.default, a.default));
    if (e.checks.join("\n") !== a.checks.join("\n")) out.push(changed("domain", name, "checks", e.checks, a.checks));
  });

  // Keyed `kind name` (`view public.v`): absent means PostgreSQL's defaults, i.e. no grants.
  diffKeyed(out, "privilege", expected.privileges ?? {}, actual.privileges ?? {}, undefined, (name, e, a) => {
    if (e.join("\n") !== a.join("\n")) out.push(changed("privilege", name, "grants", e, a));
  });
  return out;
}

/**
 * Whether two deparsed view bodies say the same thing. PostgreSQL 16+ stops qualifying column
 * names when a query level reads one relation (`SELECT id FROM t` where 15 prints
 * `SELECT t.id FROM t`), so bodies that differ only in qualifiers count as equal.
 */
export function sameViewDefinition(a: string, b: string): boolean {
  return a === b || dequalify(a) === dequalify(b);
}

// Drop `name.` prefixes outside string literals.
function dequalify(sql: string): string {
  return sql.split(/('(?:[^']|'')*')/).map((part, i) =>
    i % 2 === 1 ? part : part.replace(/(?:\b[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")\.(?=[a-z_"])/gi, "")
  ).join("");
}

function diffColumn(
  out: CatalogDifference[],
  name: string,
  table: string,
  e: ColumnSnapshot,
  a: ColumnSnapshot,
  options: DiffOptions,
): void {
  for (const key of ["type", "nullable", "default", "identity", "identityOptions", "collation", "comment"] as const) {
    if (e[key] !== a[key]) out.push(changed("column", name, key, e[key], a[key], table));
  }
  if (JSON.stringify(e.generated) !== JSON.stringify(a.generated)) {
    out.push(changed("column", name, "generated", e.generated, a.generated, table));
  }
  if (options.columnOrder && e.position !== a.position) {
    out.push(changed("column", name, "position", e.position, a.position, table));
  }
}

function diffIndexes(
  out: CatalogDifference[],
  parent: string,
  e: Record<string, { definition: string }>,
  a: Record<string, { definition: string }>,
): void {
  diffKeyed(out, "index", e, a, parent, (i, ei, ai) => {
    if (ei.definition !== ai.definition) {
      out.push(changed("index", i, "definition", ei.definition, ai.definition, parent));
    }
  });
}

function changed(
  objectType: CatalogObjectType,
  name: string,
  detail: string,
  expected: unknown,
  actual: unknown,
  parent?: string,
): CatalogDifference {
  return {
    kind: "changed",
    objectType,
    object: parent ? `${parent}.${name}` : name,
    ...(parent ? { parent } : {}),
    detail,
    expected,
    actual,
  };
}

function diffSet(out: CatalogDifference[], objectType: CatalogObjectType, e: string[], a: string[]): void {
  const as = new Set(a);
  const es = new Set(e);
  for (const x of e) if (!as.has(x)) out.push({ kind: "missing", objectType, object: x });
  for (const x of a) if (!es.has(x)) out.push({ kind: "extra", objectType, object: x });
}

function diffKeyed<T>(
  out: CatalogDifference[],
  objectType: CatalogObjectType,
  e: Record<string, T>,
  a: Record<string, T>,
  parent: string | undefined,
  both: (name: string, e: T, a: T) => void,
): void {
  const names = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
  for (const name of names) {
    const object = parent ? `${parent}.${name}` : name;
    const p = parent ? { parent } : {};
    if (!(name in a)) out.push({ kind: "missing", objectType, object, ...p, expected: e[name] });
    else if (!(name in e)) out.push({ kind: "extra", objectType, object, ...p, actual: a[name] });
    else both(name, e[name], a[name]);
  }
}

/** How the two sides are called in a rendered diff. */
export interface DiffLabels {
  expected: string;
  actual: string;
}

/**
 * Render differences as readable text, one block per table, view or other top-level object.
 *
 * @example
 * ```ts
 * import { type CatalogDifference, formatCatalogDiff } from "./diff.ts";
 * declare const diffs: CatalogDifference[];
 *
 * formatCatalogDiff(diffs, { expected: "db/schema", actual: "migrations" });
 * // table public.tb_user
 * //   - column email (text NOT NULL): only in db/schema
 * ```
 */
export function formatCatalogDiff(
  diffs: readonly CatalogDifference[],
  labels: DiffLabels = { expected: "expected", actual: "actual" },
): string {
  if (diffs.length === 0) return "No differences.";
  const groups = new Map<string, string[]>();
  const width = Math.max(labels.expected.length, labels.actual.length) + 1;
  for (const d of diffs) {
    const header = d.parent
      ? `${ownerType(diffs, d.parent)} ${d.parent}`
      : d.objectType === "privilege"
      ? `privileges on ${d.object}`
      : `${d.objectType} ${d.object}`;
    const lines = groups.get(header) ?? [];
    groups.set(header, lines);
    const local = d.parent ? `${d.objectType} ${d.object.slice(d.parent.length + 1)}` : "";
    if (d.kind === "missing" || d.kind === "extra") {
      const value = d.kind === "missing" ? d.expected : d.actual;
      const shown = describeValue(d.objectType, value);
      const where = d.kind === "missing" ? labels.expected : labels.actual;
      const subject = local ? `${local}${shown ? ` (${shown})` : ""}: ` : shown ? `${shown}: ` : "";
      lines.push(`  ${d.kind === "missing" ? "-" : "+"} ${subject}only in ${where}`);
    } else {
      const subject = local ? `${local} ${d.detail}` : d.detail;
      const e = show(d.expected);
      const a = show(d.actual);
      if (e.length + a.length < 70 && !e.includes("\n") && !a.includes("\n")) {
        lines.push(`  ~ ${subject}: ${e} (${labels.expected}) ≠ ${a} (${labels.actual})`);
      } else {
        lines.push(`  ~ ${subject} differs:`);
        // Multi-line values (function bodies) keep their lines, indented under their label.
        const pad = " ".repeat(6 + width + 1);
        lines.push(`      ${(labels.expected + ":").padEnd(width)} ${e.replaceAll("\n", `\n${pad}`)}`);
        lines.push(`      ${(labels.actual + ":").padEnd(width)} ${a.replaceAll("\n", `\n${pad}`)}`);
      }
    }
  }
  return [...groups].map(([header, lines]) => [header, ...lines].join("\n")).join("\n");
}

function ownerType(diffs: readonly CatalogDifference[], parent: string): string {
  const owner = diffs.find((d) => d.object === parent && !d.parent);
  if (owner) return owner.objectType;
  return diffs.some((d) => d.parent === parent && (d.objectType === "column" || d.objectType === "constraint"))
    ? "table"
    : "relation";
}

function describeValue(type: CatalogObjectType, value: unknown): string {
  if (value === undefined || value === null) return "";
  const v = value as Record<string, unknown>;
  switch (type) {
    case "column":
      return describeColumn(value as ColumnSnapshot);
    case "table": {
      const n = Object.keys(v.columns as object).length;
      return `${n} column${n === 1 ? "" : "s"}`;
    }
    case "function":
      return v.returns ? `returns ${v.returns}` : String(v.kind);
    case "enum":
    case "privilege":
      return (value as string[]).join(", ");
    case "index":
    case "constraint":
    case "trigger":
      return String(v.definition);
    default:
      return "";
  }
}

/** `text NOT NULL DEFAULT 'x'::text`: a column as one would write it. */
export function describeColumn(c: ColumnSnapshot): string {
  let s = c.type;
  if (c.collation) s += ` COLLATE ${c.collation}`;
  if (!c.nullable) s += " NOT NULL";
  if (c.default !== null) s += ` DEFAULT ${c.default}`;
  if (c.identity) s += ` GENERATED ${c.identity.toUpperCase()} AS IDENTITY`;
  if (c.generated) s += ` GENERATED ALWAYS AS (${c.generated.expression}) ${c.generated.kind.toUpperCase()}`;
  return s;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.join(", ")}]`;
  return JSON.stringify(v);
}
