/**
 * Plan the objects outside tables and views: schemas, extensions, enums, domains, sequences,
 * functions and procedures.
 *
 * @module
 */
import type { SequenceSnapshot } from "../catalog/types.ts";
import { allowLint, PHASE, type PlanContext } from "./_context.ts";
import { fn, ident, literal, local, rel, schemaOf } from "./_names.ts";
import { addConstraintSql, createPolicySql, createTriggerSql, dropConstraintSql, indexName } from "./_sql.ts";
import { enumLiteralUsers } from "./plan_dependents.ts";
import { createViewSql, dropViewSql, viewsReading } from "./_view_sql.ts";

/** Plan schemas, extensions, enums, domains, sequences and functions. */
export function planObjects(ctx: PlanContext): void {
  const c = ctx.current.catalog;
  const w = ctx.desired.catalog;
  for (const s of w.schemas.filter((s) => !c.schemas.includes(s))) {
    ctx.add("main", PHASE.schema, s, "create schema", [`CREATE SCHEMA ${ident(s)}`], [`DROP SCHEMA ${ident(s)}`]);
  }
  for (const s of c.schemas.filter((s) => !w.schemas.includes(s))) {
    ctx.add("main", PHASE.dropSchema, s, "drop schema", [`DROP SCHEMA ${ident(s)}`], [`CREATE SCHEMA ${ident(s)}`]);
  }
  for (const e of w.extensions.filter((e) => !c.extensions.includes(e))) {
    ctx.add("main", PHASE.extension, e, "create extension", [`CREATE EXTENSION IF NOT EXISTS ${ident(e)}`], [
      `DROP EXTENSION ${ident(e)}`,
    ]);
  }
  for (const e of c.extensions.filter((e) => !w.extensions.includes(e))) {
    ctx.add("main", PHASE.dropExtension, e, "drop extension", [`DROP EXTENSION ${ident(e)}`], [
      `CREATE EXTENSION IF NOT EXISTS ${ident(e)}`,
    ]);
  }
  planEnums(ctx);
  planDomains(ctx);
  planSequences(ctx);
  planFunctions(ctx);
}

const enumSql = (key: string, labels: string[]) =>
  `CREATE TYPE ${rel(key)} AS ENUM (${labels.map((l) => literal(l)).join(", ")})`;

function planEnums(ctx: PlanContext): void {
  const cur = ctx.current.catalog.enums;
  const want = ctx.desired.catalog.enums;
  for (const [key, labels] of Object.entries(want)) {
    if (!(key in cur)) {
      ctx.add("main", PHASE.enum, key, "create enum", [enumSql(key, labels)], [`DROP TYPE ${rel(key)}`]);
    }
  }
  for (const [key, labels] of Object.entries(cur)) {
    if (!(key in want)) {
      ctx.add("main", PHASE.dropEnum, key, "drop enum", [`DROP TYPE ${rel(key)}`], [enumSql(key, labels)]);
      continue;
    }
    const next = want[key];
    if (labels.join("\u0000") === next.join("\u0000")) continue;
    const kept = next.filter((l) => labels.includes(l));
    const onlyAdded = labels.every((l) => next.includes(l)) && kept.join("\u0000") === labels.join("\u0000");
    if (onlyAdded) {
      // ADD VALUE cannot be undone in place: the down rebuilds the type with the old labels.
      const up: string[] = [];
      next.forEach((l, i) => {
        if (labels.includes(l)) return;
        const anchor = i > 0 ? `AFTER ${literal(next[i - 1])}` : `BEFORE ${literal(next[1])}`;
        up.push(`ALTER TYPE ${rel(key)} ADD VALUE ${literal(l)} ${anchor}`);
      });
      ctx.add(
        "enum_values",
        PHASE.enum,
        key,
        "add enum values",
        up,
        aroundViews(ctx, key, swapEnum(ctx, key, labels, false)),
      );
    } else {
      const removed = labels.filter((l) => !next.includes(l));
      const what = removed.length
        ? `removes value(s) ${removed.map((l) => literal(l)).join(", ")} from ${key}: rows holding them make it fail`
        : `reorders the values of ${key}`;
      const notes = [
        ...ctx.hazard("data-loss", key, `${what}; the type is rebuilt`),
        ...ctx.hazard("rewrite", key, `rebuilding enum ${key} rewrites every table with a column of that type`),
      ];
      for (const col of enumColumns(ctx, key)) {
        ctx.touchedColumns.add(col.key);
        ctx.retypedColumns.add(col.key);
      }
      ctx.add(
        "main",
        PHASE.enum,
        key,
        "rebuild enum",
        swapEnum(ctx, key, next, true),
        swapEnum(ctx, key, labels, false),
        notes,
      );
    }
  }
}

/** Columns whose type is the enum `key` (or an array of it), as the current catalog has them. */
function enumColumns(
  ctx: PlanContext,
  key: string,
): { key: string; table: string; name: string; array: boolean; def: string | null }[] {
  const names = new Set([local(key), key, rel(key)]);
  const out = [];
  for (const [t, table] of Object.entries(ctx.current.catalog.tables)) {
    for (const [name, c] of Object.entries(table.columns)) {
      const array = c.type.endsWith("[]");
      if (names.has(array ? c.type.slice(0, -2) : c.type)) {
        out.push({ key: `${t}.${name}`, table: t, name, array, def: c.default });
      }
    }
  }
  return out;
}

// A column a view, policy or trigger uses cannot change type: they go first and come back after
// (the down of ADD VALUE runs with the main migration undone, so the current ones are there).
function aroundViews(ctx: PlanContext, key: string, swap: string[]): string[] {
  const columns = new Set(enumColumns(ctx, key).map((c) => c.key));
  const views = viewsReading(ctx.current, columns);
  const drops = [...views].reverse().map((v) => dropViewSql(v, ctx.current.catalog.views[v]));
  const creates = views.flatMap((v) => createViewSql(ctx.current, v));
  const deps = ctx.current.facts.objectColumns;
  const using = (kind: "policy" | "trigger") =>
    Object.entries(deps?.[kind] ?? {}).filter(([, cols]) => cols.some((c) => columns.has(c))).map(([k]) => {
      const dot = k.lastIndexOf(".");
      return [k.slice(0, dot), k.slice(dot + 1)] as const;
    });
  for (const [table, name] of using("policy")) {
    const p = ctx.current.catalog.tables[table]?.policies[name];
    if (!p) continue;
    drops.unshift(`DROP POLICY ${ident(name)} ON ${rel(table)}`);
    creates.push(createPolicySql(table, name, p));
  }
  for (const [table, name] of using("trigger")) {
    const t = ctx.current.catalog.tables[table]?.triggers[name];
    if (!t) continue;
    drops.unshift(`DROP TRIGGER ${ident(name)} ON ${rel(table)}`);
    creates.push(...createTriggerSql(table, name, t));
  }
  // Checks and indexes writing a literal of the type are rebuilt from their text: they would name the old type.
  for (const u of enumLiteralUsers(ctx.current, [...columns])) {
    drops.push(
      u.kind === "index" ? `DROP INDEX ${indexName(schemaOf(u.table), u.name)}` : dropConstraintSql(u.table, u.name),
    );
    creates.unshift(u.kind === "index" ? u.definition : addConstraintSql(u.table, u.name, u.definition));
  }
  return [...drops, ...swap, ...creates];
}

// Rename the type away, create it with `labels`, move every column over, drop the old one.
function swapEnum(ctx: PlanContext, key: string, labels: string[], lint: boolean): string[] {
  const old = `${local(key)}__confiture_old`.slice(0, 63);
  const out = [`ALTER TYPE ${rel(key)} RENAME TO ${ident(old)}`, enumSql(key, labels)];
  for (const c of enumColumns(ctx, key)) {
    const col = `ALTER TABLE ${rel(c.table)} ALTER COLUMN ${ident(c.name)}`;
    const type = `${rel(key)}${c.array ? "[]" : ""}`;
    if (c.def !== null) out.push(`${col} DROP DEFAULT`);
    out.push(
      `${
        lint ? `${allowLint("alter-column-type-rewrite", "written by migrate diff with --allow-hazard rewrite")}\n` : ""
      }` +
        `${col} TYPE ${type} USING ${ident(c.name)}::text${c.array ? "[]" : ""}::${type}`,
    );
    if (c.def !== null) out.push(`${col} SET DEFAULT ${c.def}`);
  }
  out.push(`DROP TYPE ${ident(schemaOf(key))}.${ident(old)}`);
  return out;
}

type Domain = { type: string; nullable: boolean; default: string | null; checks: string[] };

function planDomains(ctx: PlanContext): void {
  const cur = ctx.current.catalog.domains;
  const want = ctx.desired.catalog.domains;
  const names = (input: "current" | "desired", key: string) => ctx[input].facts.domainCheckNames[key] ?? [];
  const create = (key: string, d: Domain, checkNames: string[]) =>
    `CREATE DOMAIN ${rel(key)} AS ${d.type}${d.default !== null ? ` DEFAULT ${d.default}` : ""}${
      d.nullable ? "" : " NOT NULL"
    }${d.checks.map((ch, i) => `${checkNames[i] ? ` CONSTRAINT ${ident(checkNames[i])}` : ""} ${ch}`).join("")}`;
  for (const [key, d] of Object.entries(want)) {
    if (!(key in cur)) {
      ctx.add("main", PHASE.domain, key, "create domain", [create(key, d, names("desired", key))], [
        `DROP DOMAIN ${rel(key)}`,
      ]);
    }
  }
  for (const [key, d] of Object.entries(cur)) {
    const w = want[key];
    if (!w) {
      ctx.add("main", PHASE.dropDomain, key, "drop domain", [`DROP DOMAIN ${rel(key)}`], [
        create(key, d, names("current", key)),
      ]);
      continue;
    }
    const alter = `ALTER DOMAIN ${rel(key)}`;
    if (d.type !== w.type) ctx.cannot(key, `domain ${key} changes its base type (${d.type} → ${w.type})`);
    if (d.default !== w.default) {
      const set = (x: string | null) => `${alter} ${x === null ? "DROP DEFAULT" : `SET DEFAULT ${x}`}`;
      ctx.add("main", PHASE.domain, key, "domain default", [set(w.default)], [set(d.default)]);
    }
    if (d.nullable !== w.nullable) {
      const set = (nullable: boolean) => `${alter} ${nullable ? "DROP" : "SET"} NOT NULL`;
      ctx.add("main", PHASE.domain, key, "domain not null", [set(w.nullable)], [set(d.nullable)]);
    }
    const curNames = names("current", key);
    const wantNames = names("desired", key);
    d.checks.forEach((ch, i) => {
      if (w.checks.includes(ch) || !curNames[i]) return;
      ctx.add("main", PHASE.domain, key, "drop domain check", [`${alter} DROP CONSTRAINT ${ident(curNames[i])}`], [
        `${alter} ADD CONSTRAINT ${ident(curNames[i])} ${ch}`,
      ]);
    });
    w.checks.forEach((ch, i) => {
      if (d.checks.includes(ch)) return;
      const name = ident(wantNames[i] ?? `${local(key)}_check`);
      // Checked against every column of the domain: NOT VALID now, VALIDATE in the next migration.
      const notValid = `${alter} ADD CONSTRAINT ${name} ${ch} NOT VALID`;
      ctx.add("main", PHASE.domain, key, "add domain check", [notValid], [`${alter} DROP CONSTRAINT ${name}`]);
      ctx.add("validate", PHASE.domain, key, "validate domain check", [`${alter} VALIDATE CONSTRAINT ${name}`], [
        `${alter} DROP CONSTRAINT ${name}`,
        notValid,
      ]);
    });
  }
}

function sequenceOptions(s: SequenceSnapshot): string {
  return `AS ${s.type} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} START WITH ${s.start} CACHE ${s.cache}${
    s.cycle ? " CYCLE" : " NO CYCLE"
  }`;
}

// `public.tb.col` → `public.tb.col` quoted as a column reference.
function ownedBy(owner: string | null): string {
  if (owner === null) return "NONE";
  const lastDot = owner.lastIndexOf(".");
  return `${rel(owner.slice(0, lastDot))}.${ident(owner.slice(lastDot + 1))}`;
}

function planSequences(ctx: PlanContext): void {
  const cur = ctx.current.catalog.sequences;
  const want = ctx.desired.catalog.sequences;
  const owned = (key: string, s: SequenceSnapshot | undefined, to: string | null, phase: number) =>
    ctx.add("main", phase, key, "sequence owner", [`ALTER SEQUENCE ${rel(key)} OWNED BY ${ownedBy(to)}`], [
      `ALTER SEQUENCE ${rel(key)} OWNED BY ${ownedBy(s?.ownedBy ?? null)}`,
    ]);
  for (const [key, s] of Object.entries(want)) {
    const c = cur[key];
    if (!c) {
      ctx.add("main", PHASE.sequence, key, "create sequence", [`CREATE SEQUENCE ${rel(key)} ${sequenceOptions(s)}`], [
        `DROP SEQUENCE ${rel(key)}`,
      ]);
      if (s.ownedBy) owned(key, undefined, s.ownedBy, PHASE.ownedBy);
      continue;
    }
    if (sequenceOptions(c) !== sequenceOptions(s)) {
      ctx.add("main", PHASE.sequence, key, "alter sequence", [`ALTER SEQUENCE ${rel(key)} ${sequenceOptions(s)}`], [
        `ALTER SEQUENCE ${rel(key)} ${sequenceOptions(c)}`,
      ]);
    }
    if (c.ownedBy !== s.ownedBy) owned(key, c, s.ownedBy, s.ownedBy ? PHASE.ownedBy : PHASE.releaseSequence);
  }
  for (const [key, s] of Object.entries(cur)) {
    if (key in want) continue;
    // Released first, so dropping its table does not take it along.
    if (s.ownedBy) owned(key, s, null, PHASE.releaseSequence);
    ctx.add("main", PHASE.dropSequence, key, "drop sequence", [`DROP SEQUENCE ${rel(key)}`], [
      `CREATE SEQUENCE ${rel(key)} ${sequenceOptions(s)}`,
    ]);
  }
}

function planFunctions(ctx: PlanContext): void {
  const cur = ctx.current.catalog.functions;
  const want = ctx.desired.catalog.functions;
  const curDefs = ctx.current.facts.functionDefs;
  const wantDefs = ctx.desired.facts.functionDefs;
  const drop = (key: string, kind: string) => `DROP ${kind === "procedure" ? "PROCEDURE" : "FUNCTION"} ${fn(key)}`;
  // SQL bodies are checked at creation: after the tables they read, before the views that call
  // them; one that reads no table goes before the tables, whose defaults and checks may call it.
  const tables = Object.keys(ctx.desired.catalog.tables);
  const phaseOf = (def: string, language: string) =>
    (language === "sql" || /\n(BEGIN ATOMIC|RETURN )/.test(def)) && readsTable(def, tables)
      ? PHASE.lateFunction
      : PHASE.function;
  for (const [key, w] of Object.entries(want)) {
    const def = wantDefs[key];
    const c = cur[key];
    if (!def || (c && !curDefs[key])) {
      if (!c || JSON.stringify(c) !== JSON.stringify(w)) {
        ctx.cannot(key, `${w.kind} ${key} cannot be written from the catalog`);
      }
      continue;
    }
    if (!c) {
      ctx.add("main", phaseOf(def, w.language), key, `create ${w.kind}`, [def], [drop(key, w.kind)]);
      continue;
    }
    const old = curDefs[key];
    if (old === def) continue;
    const header = (d: string) => d.split("\n").slice(0, 2).join("\n");
    if (c.kind !== w.kind || c.returns !== w.returns || header(old) !== header(def)) {
      ctx.add("main", PHASE.dropFunctionForRecreate, key, `drop ${c.kind}`, [drop(key, c.kind)], [old]);
      ctx.add("main", phaseOf(def, w.language), key, `create ${w.kind}`, [def], [drop(key, w.kind)]);
    } else ctx.add("main", phaseOf(def, w.language), key, `replace ${w.kind}`, [def], [old]);
  }
  for (const [key, c] of Object.entries(cur)) {
    if (key in want) continue;
    if (!curDefs[key]) {
      ctx.cannot(key, `${c.kind} ${key} cannot be written from the catalog`);
      continue;
    }
    ctx.add("main", PHASE.dropFunction, key, `drop ${c.kind}`, [drop(key, c.kind)], [curDefs[key]]);
  }
}

// Whether a function body names one of `tables` (`schema.name`), qualified or not.
function readsTable(def: string, tables: readonly string[]): boolean {
  const text = def.slice(def.search(/\nAS |\nBEGIN ATOMIC|\nRETURN /) + 1);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return tables.some((t) =>
    new RegExp(`(?<![\\w$."])(?:"?${esc(schemaOf(t))}"?\\.)?"?${esc(local(t))}"?(?![\\w$"])`, "i").test(text)
  );
}
