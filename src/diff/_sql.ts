/**
 * SQL text for tables and what hangs off them, built from snapshot values. Module-private.
 *
 * @module
 */
import type { ColumnSnapshot, PolicySnapshot, TableSnapshot } from "../catalog/types.ts";
import { ident, literal, rel } from "./_names.ts";

/** `name type [COLLATE c] [GENERATED …] [DEFAULT …] [NOT NULL]`. */
export function columnDef(name: string, c: ColumnSnapshot): string {
  let s = `${ident(name)} ${c.type}`;
  if (c.collation) s += ` COLLATE ${ident(c.collation)}`;
  if (c.generated) s += ` GENERATED ALWAYS AS (${c.generated.expression}) ${c.generated.kind.toUpperCase()}`;
  if (c.identity) {
    s += ` GENERATED ${c.identity.toUpperCase()} AS IDENTITY${c.identityOptions ? ` (${c.identityOptions})` : ""}`;
  }
  if (c.default !== null) s += ` DEFAULT ${c.default}`;
  if (!c.nullable && !c.identity) s += " NOT NULL";
  return s;
}

/** Columns of a table in position order. */
export function orderedColumns(t: TableSnapshot): [string, ColumnSnapshot][] {
  return Object.entries(t.columns).sort((a, b) => a[1].position - b[1].position);
}

/** Constraints written inside CREATE TABLE (everything but foreign keys and constraint triggers). */
export function inlineConstraints(t: TableSnapshot): [string, { type: string; definition: string }][] {
  return Object.entries(t.constraints).filter(([, c]) => c.type !== "foreign key" && c.type !== "trigger");
}

/** `CREATE TABLE …` with columns and inline constraints (no foreign keys). */
export function createTableSql(key: string, t: TableSnapshot): string {
  if (t.partitionOf) return `CREATE TABLE ${rel(key)} PARTITION OF ${rel(t.partitionOf.parent)} ${t.partitionOf.bound}`;
  const lines = [
    ...orderedColumns(t).map(([n, c]) => columnDef(n, c)),
    ...inlineConstraints(t).map(([n, c]) => `CONSTRAINT ${ident(n)} ${c.definition}`),
  ];
  const body = lines.length ? ` (\n    ${lines.join(",\n    ")}\n)` : " ()";
  return `CREATE TABLE ${rel(key)}${body}${t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : ""}`;
}

/** Everything after CREATE TABLE of a new table: constraints of a partition, indexes, triggers, RLS, comments. */
export function tableExtrasSql(key: string, t: TableSnapshot): string[] {
  const out: string[] = [];
  if (t.partitionOf) {
    for (const [n, c] of inlineConstraints(t)) {
      out.push(`ALTER TABLE ${rel(key)} ADD CONSTRAINT ${ident(n)} ${c.definition}`);
    }
  }
  for (const i of Object.values(t.indexes)) out.push(i.definition);
  if (t.rowSecurity) out.push(`ALTER TABLE ${rel(key)} ENABLE ROW LEVEL SECURITY`);
  for (const [n, p] of Object.entries(t.policies)) out.push(createPolicySql(key, n, p));
  for (const [n, tr] of Object.entries(t.triggers)) out.push(...createTriggerSql(key, n, tr));
  if (t.comment !== null) out.push(`COMMENT ON TABLE ${rel(key)} IS ${literal(t.comment)}`);
  for (const [n, c] of orderedColumns(t)) {
    if (c.comment !== null) out.push(`COMMENT ON COLUMN ${rel(key)}.${ident(n)} IS ${literal(c.comment)}`);
  }
  return out;
}

/** `ALTER TABLE … ADD CONSTRAINT name def`. */
export function addConstraintSql(key: string, name: string, definition: string): string {
  return `ALTER TABLE ${rel(key)} ADD CONSTRAINT ${ident(name)} ${definition}`;
}

/** `ALTER TABLE … DROP CONSTRAINT name`. */
export function dropConstraintSql(key: string, name: string): string {
  return `ALTER TABLE ${rel(key)} DROP CONSTRAINT ${ident(name)}`;
}

/** `CREATE POLICY …` from a snapshot. */
export function createPolicySql(table: string, name: string, p: PolicySnapshot): string {
  let s = `CREATE POLICY ${ident(name)} ON ${rel(table)} AS ${
    p.permissive ? "PERMISSIVE" : "RESTRICTIVE"
  } FOR ${p.command.toUpperCase()} TO ${
    p.roles.map((r) => (r === "public" ? "PUBLIC" : ident(r))).join(", ") || "PUBLIC"
  }`;
  if (p.using !== null) s += ` USING (${p.using})`;
  if (p.check !== null) s += ` WITH CHECK (${p.check})`;
  return s;
}

/** `CREATE TRIGGER …` plus its enabled state when not the default. */
export function createTriggerSql(table: string, name: string, t: { definition: string; enabled: string }): string[] {
  const out = [t.definition];
  if (t.enabled !== "origin") out.push(triggerEnabledSql(table, name, t.enabled));
  return out;
}

/** `ALTER TABLE … ENABLE|DISABLE [REPLICA|ALWAYS] TRIGGER name`. */
export function triggerEnabledSql(table: string, name: string, enabled: string): string {
  const verb = { origin: "ENABLE", disabled: "DISABLE", replica: "ENABLE REPLICA", always: "ENABLE ALWAYS" }[enabled] ??
    "ENABLE";
  return `ALTER TABLE ${rel(table)} ${verb} TRIGGER ${ident(name)}`;
}

/** `CREATE INDEX` → `CREATE INDEX CONCURRENTLY` (and for UNIQUE). */
export function concurrently(indexDef: string): string {
  return indexDef.replace(/^CREATE (UNIQUE )?INDEX /, (_m, u) => `CREATE ${u ?? ""}INDEX CONCURRENTLY `);
}

/** The index name of a `CREATE [UNIQUE] INDEX name ON …` definition, quoted as written. */
export function indexName(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * The unique index that can back a PRIMARY KEY or UNIQUE constraint, from its definition
 * (`UNIQUE (a, b) INCLUDE (c)`), or undefined when USING INDEX cannot express it.
 */
export function backingIndexSql(table: string, name: string, definition: string): string | undefined {
  const m = /^(PRIMARY KEY|UNIQUE( NULLS NOT DISTINCT)?) (\([^()]*\))( INCLUDE \([^()]*\))?$/.exec(definition);
  if (!m) return undefined;
  return `CREATE UNIQUE INDEX CONCURRENTLY ${ident(name)} ON ${rel(table)} ${m[3]}${m[4] ?? ""}${m[2] ?? ""}`;
}
