/**
 * Plan the columns of an existing table: added, dropped, retyped, defaults, NOT NULL, identity,
 * generated expressions and comments. Split from `plan_tables.ts` because columns are where the
 * online tricks live (SET NOT NULL through a validated CHECK, generated columns rebuilt around
 * the columns they read) and where the hazards of data loss and rewrites are named.
 *
 * @module
 */
import type { ColumnSnapshot, TableSnapshot } from "../catalog/types.ts";
import { allowLint, PHASE, type PlanContext } from "./_context.ts";
import { ident, literal, local, rel } from "./_names.ts";
import { columnDef, orderedColumns } from "./_sql.ts";
import { typeChangeCost } from "./column_type.ts";

const WHY = "written by migrate diff";
// Defaults that make ADD COLUMN rewrite the table (the lint decides for any other function).
const VOLATILE_DEFAULT =
  /\b(nextval|gen_random_uuid|random|clock_timestamp|timeofday|uuid_generate_v\w+|uuidv[47])\s*\(/i;

/** Plan every column difference of the existing table `key`. */
export function planColumns(ctx: PlanContext, key: string, cur: TableSnapshot, want: TableSnapshot): void {
  const t = rel(key);
  for (const [name, col] of orderedColumns(want)) {
    if (name in cur.columns) continue;
    addColumn(ctx, key, name, col);
  }
  // Generated columns first: they may read the other columns dropped here.
  const dropped = orderedColumns(cur).sort(([, a], [, b]) => Number(!a.generated) - Number(!b.generated));
  for (const [name, col] of dropped) {
    if (name in want.columns) continue;
    ctx.touchedColumns.add(`${key}.${name}`);
    const notes = ctx.hazard("data-loss", `${key}.${name}`, `drops column ${key}.${name} and its data`);
    const down = [`ALTER TABLE ${t} ADD COLUMN ${columnDef(name, col)}`];
    if (col.comment !== null) down.push(`COMMENT ON COLUMN ${t}.${ident(name)} IS ${literal(col.comment)}`);
    ctx.add(
      "main",
      PHASE.dropColumn,
      `${key}.${name}`,
      "drop column",
      [
        `${allowLint("drop-breaks-code", `${WHY} with --allow-hazard data-loss`)}\nALTER TABLE ${t} DROP COLUMN ${
          ident(name)
        }`,
      ],
      down,
      notes,
    );
  }
  // PostgreSQL refuses to change the type of a column a generated column reads: that one is rebuilt around it.
  const retyped = new Set(ctx.retypedColumns);
  for (const [name, w] of Object.entries(want.columns)) {
    const c = cur.columns[name];
    if (c && (c.type !== w.type || c.collation !== w.collation)) retyped.add(`${key}.${name}`);
  }
  const reads = ctx.current.facts.objectColumns?.generated ?? {};
  for (const [name, w] of orderedColumns(want)) {
    const c = cur.columns[name];
    if (c) alterColumn(ctx, key, name, c, w, (reads[`${key}.${name}`] ?? []).some((r) => retyped.has(r)));
  }
}

function addColumn(ctx: PlanContext, key: string, name: string, col: ColumnSnapshot): void {
  const t = rel(key);
  const object = `${key}.${name}`;
  const notes: string[] = [];
  let def = col;
  let statement: string;
  const rewrites = col.identity
    ? "an identity column"
    : col.generated?.kind === "stored"
    ? "a stored generated column"
    : col.default && VOLATILE_DEFAULT.test(col.default)
    ? `the volatile default ${col.default}`
    : undefined;
  if (rewrites) {
    notes.push(...ctx.hazard("rewrite", object, `adding ${object} with ${rewrites} rewrites every row of ${key}`));
    statement = `${allowLint("add-column-volatile-default", `${WHY} with --allow-hazard rewrite`)}\n`;
  } else statement = "";
  const needsBackfill = !col.nullable && !col.identity && !col.generated && col.default === null;
  if (needsBackfill) {
    notes.push(...ctx.hazard(
      "backfill",
      object,
      `${object} is NOT NULL without a default: it is added nullable here, and set NOT NULL by a later migration ` +
        "once every row has a value (backfill it in between)",
    ));
    def = { ...col, nullable: true };
  }
  const up = [`${statement}ALTER TABLE ${t} ADD COLUMN ${columnDef(name, def)}`];
  if (col.comment !== null) up.push(`COMMENT ON COLUMN ${t}.${ident(name)} IS ${literal(col.comment)}`);
  ctx.add("main", PHASE.column, object, "add column", up, [`ALTER TABLE ${t} DROP COLUMN ${ident(name)}`], notes);
  if (needsBackfill) setNotNull(ctx, key, name);
}

// SET NOT NULL without a long scan: a CHECK added NOT VALID, validated later, then SET NOT NULL.
function setNotNull(ctx: PlanContext, key: string, name: string): void {
  const t = rel(key);
  const check = ident(`${local(key)}_${name}_not_null_chk`.slice(0, 63));
  const add = `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${ident(name)} IS NOT NULL) NOT VALID`;
  ctx.add("main", PHASE.constraint, `${key}.${name}`, "add NOT NULL check", [add], [
    `ALTER TABLE ${t} DROP CONSTRAINT ${check}`,
  ]);
  ctx.add("validate", PHASE.column, `${key}.${name}`, "set not null", [
    `ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`,
    `ALTER TABLE ${t} ALTER COLUMN ${ident(name)} SET NOT NULL`,
    `ALTER TABLE ${t} DROP CONSTRAINT ${check}`,
  ], [`ALTER TABLE ${t} ALTER COLUMN ${ident(name)} DROP NOT NULL`, add]);
}

function alterColumn(
  ctx: PlanContext,
  key: string,
  name: string,
  c: ColumnSnapshot,
  w: ColumnSnapshot,
  readsRetyped: boolean,
): void {
  const t = rel(key);
  const col = `${t} ALTER COLUMN ${ident(name)}`;
  const object = `${key}.${name}`;
  if (JSON.stringify(c.generated) !== JSON.stringify(w.generated) || (c.generated && readsRetyped)) {
    // PostgreSQL 15 cannot change a generation expression in place: drop and add the column.
    ctx.touchedColumns.add(object);
    ctx.rebuiltColumns.add(object);
    const notes = ctx.hazard(
      "rewrite",
      object,
      JSON.stringify(c.generated) !== JSON.stringify(w.generated)
        ? `${object} changes how it is generated: the column is dropped and added again`
        : `${object} reads a column whose type changes: it is dropped before and added again after`,
    );
    // Two changes, so that a column the old expression reads can be dropped in between (PostgreSQL
    // refuses to drop a column a generated column still reads); the down undoes them in reverse.
    ctx.add(
      "main",
      readsRetyped ? PHASE.dropGeneratedForRetype : PHASE.dropGeneratedColumn,
      object,
      "drop generated column for rebuild",
      [`${allowLint("drop-breaks-code", `${WHY} with --allow-hazard rewrite`)}\nALTER TABLE ${t} DROP COLUMN ${
        ident(name)
      }`],
      [`ALTER TABLE ${t} ADD COLUMN ${columnDef(name, c)}`],
      notes,
    );
    ctx.add(
      "main",
      PHASE.addGeneratedColumn,
      object,
      "add rebuilt generated column",
      [`${
        allowLint("add-column-volatile-default", `${WHY} with --allow-hazard rewrite`)
      }\nALTER TABLE ${t} ADD COLUMN ${columnDef(name, w)}`],
      [`ALTER TABLE ${t} DROP COLUMN ${ident(name)}`],
    );
    return;
  }
  if (c.type !== w.type || c.collation !== w.collation) {
    ctx.touchedColumns.add(object);
    ctx.retypedColumns.add(object);
    const cost = c.type === w.type ? "none" : typeChangeCost(c.type, w.type);
    const back = c.type === w.type ? "none" : typeChangeCost(w.type, c.type);
    const notes: string[] = [];
    if (cost === "narrowing") {
      notes.push(
        ...ctx.hazard(
          "data-loss",
          object,
          `${object} narrows from ${c.type} to ${w.type}: values that do not fit fail or are cut`,
        ),
      );
    }
    if (cost !== "none") {
      notes.push(...ctx.hazard("rewrite", object, `${object} changes type ${c.type} → ${w.type}, rewriting ${key}`));
    }
    const alter = (to: ColumnSnapshot, how: string) =>
      `${
        how === "none" ? "" : `${allowLint("alter-column-type-rewrite", `${WHY} with --allow-hazard rewrite`)}\n`
      }ALTER TABLE ${col} TYPE ${to.type}${to.collation ? ` COLLATE ${ident(to.collation)}` : ""}${
        how === "none" ? "" : ` USING ${ident(name)}::${to.type}`
      }`;
    ctx.add("main", PHASE.column, object, "alter column type", [alter(w, cost)], [alter(c, back)], notes);
  }
  if (c.default !== w.default) {
    const set = (d: string | null) => `ALTER TABLE ${col} ${d === null ? "DROP DEFAULT" : `SET DEFAULT ${d}`}`;
    ctx.add("main", PHASE.column, object, "alter column default", [set(w.default)], [set(c.default)]);
  }
  if (c.identity !== w.identity || c.identityOptions !== w.identityOptions) planIdentity(ctx, key, name, c, w);
  if (c.nullable !== w.nullable && !w.identity && !c.identity) {
    if (w.nullable) {
      ctx.add("main", PHASE.column, object, "drop not null", [`ALTER TABLE ${col} DROP NOT NULL`], [
        `ALTER TABLE ${col} SET NOT NULL`,
      ]);
    } else setNotNull(ctx, key, name);
  }
  if (c.comment !== w.comment) {
    const on = `COMMENT ON COLUMN ${t}.${ident(name)} IS`;
    ctx.add("main", PHASE.comment, object, "comment", [`${on} ${literal(w.comment)}`], [`${on} ${literal(c.comment)}`]);
  }
}

function planIdentity(ctx: PlanContext, key: string, name: string, c: ColumnSnapshot, w: ColumnSnapshot): void {
  const col = `${rel(key)} ALTER COLUMN ${ident(name)}`;
  const object = `${key}.${name}`;
  const add = (s: ColumnSnapshot) =>
    `ALTER TABLE ${col} ADD GENERATED ${s.identity!.toUpperCase()} AS IDENTITY${
      s.identityOptions ? ` (${s.identityOptions})` : ""
    }`;
  if (c.identity && w.identity) {
    const set = (s: ColumnSnapshot) =>
      `ALTER TABLE ${col} SET GENERATED ${s.identity!.toUpperCase()}${
        s.identityOptions ? ` ${identitySet(s.identityOptions)}` : ""
      }`;
    ctx.add("main", PHASE.column, object, "alter identity", [set(w)], [set(c)]);
  } else if (w.identity) {
    // An identity column is NOT NULL: get there first, online, when it is not.
    const stage = c.nullable ? "validate" : "main";
    if (c.nullable) setNotNull(ctx, key, name);
    ctx.add(stage, PHASE.constraint, object, "add identity", [add(w)], [`ALTER TABLE ${col} DROP IDENTITY`]);
  } else {
    ctx.add("main", PHASE.column, object, "drop identity", [`ALTER TABLE ${col} DROP IDENTITY`], [add(c)]);
    if (w.nullable) {
      ctx.add("main", PHASE.column, object, "drop not null", [`ALTER TABLE ${col} DROP NOT NULL`], [
        `ALTER TABLE ${col} SET NOT NULL`,
      ]);
    }
  }
}

// `START 1 INCREMENT 1 …` → `SET START WITH 1 SET INCREMENT BY 1 …`
function identitySet(options: string): string {
  const parts: string[] = [];
  const re = /(START|INCREMENT|MINVALUE|MAXVALUE|CACHE) (-?\d+)|(CYCLE)/g;
  for (const m of options.matchAll(re)) {
    if (m[3]) continue;
    const word = m[1] === "START" ? "START WITH" : m[1] === "INCREMENT" ? "INCREMENT BY" : m[1];
    parts.push(`SET ${word} ${m[2]}`);
  }
  parts.push(/\bCYCLE\b/.test(options) ? "SET CYCLE" : "SET NO CYCLE");
  return parts.join(" ");
}
