/**
 * Plan tables and what hangs off them: new and dropped tables, columns, constraints, indexes,
 * triggers, row-level security, policies and comments. An existing table is changed online:
 * concurrent index builds, NOT VALID then VALIDATE, SET NOT NULL through a validated CHECK.
 *
 * @module
 */
import type { ColumnSnapshot, TableSnapshot } from "../catalog/types.ts";
import { allowLint, PHASE, type PlanContext } from "./_context.ts";
import { ident, literal, local, rel, schemaOf } from "./_names.ts";
import {
  addConstraintSql,
  backingIndexSql,
  columnDef,
  concurrently,
  createPolicySql,
  createTableSql,
  createTriggerSql,
  dropConstraintSql,
  indexName,
  orderedColumns,
  tableExtrasSql,
  triggerEnabledSql,
} from "./_sql.ts";
import { typeChangeCost } from "./column_type.ts";

const WHY = "written by migrate diff";
// Defaults that make ADD COLUMN rewrite the table (the lint decides for any other function).
const VOLATILE_DEFAULT =
  /\b(nextval|gen_random_uuid|random|clock_timestamp|timeofday|uuid_generate_v\w+|uuidv[47])\s*\(/i;

/** Plan every table difference. */
export function planTables(ctx: PlanContext): void {
  const cur = ctx.current.catalog.tables;
  const want = ctx.desired.catalog.tables;
  const added = Object.keys(want).filter((k) => !(k in cur))
    // Partition parents before their partitions.
    .sort((a, b) => Number(!!want[a].partitionOf) - Number(!!want[b].partitionOf) || a.localeCompare(b));
  for (const key of added) createTable(ctx, key, want[key]);
  for (const key of dropOrder(cur, Object.keys(cur).filter((k) => !(k in want)))) dropTable(ctx, key, cur[key]);
  for (const key of Object.keys(want).filter((k) => k in cur).sort()) alterTable(ctx, key, cur[key], want[key]);
}

function createTable(ctx: PlanContext, key: string, t: TableSnapshot): void {
  ctx.add("main", PHASE.createTable, key, "create table", [createTableSql(key, t)], [`DROP TABLE ${rel(key)}`]);
  for (const [name, c] of Object.entries(t.constraints)) {
    if (c.type !== "foreign key") continue;
    ctx.add(
      "main",
      PHASE.foreignKey,
      `${key}.${name}`,
      "add foreign key",
      [addConstraintSql(key, name, c.definition)],
      [
        dropConstraintSql(key, name),
      ],
    );
  }
  const extras = tableExtrasSql(key, t);
  if (extras.length) ctx.add("main", PHASE.trigger, key, "create table objects", extras, []);
}

function dropTable(ctx: PlanContext, key: string, t: TableSnapshot): void {
  ctx.droppedRelations.add(key);
  for (const c of Object.keys(t.columns)) ctx.touchedColumns.add(`${key}.${c}`);
  const notes = ctx.hazard("data-loss", key, `drops table ${key} and every row in it`);
  const fks = Object.entries(t.constraints).filter(([, c]) => c.type === "foreign key")
    .map(([n, c]) => addConstraintSql(key, n, c.definition));
  ctx.add(
    "main",
    PHASE.dropTable,
    key,
    "drop table",
    [
      `${allowLint("drop-breaks-code", `${WHY} with --allow-hazard data-loss`)}\nDROP TABLE ${rel(key)}`,
    ],
    [createTableSql(key, t), ...fks, ...tableExtrasSql(key, t)],
    notes,
  );
}

// Referencing tables (and partitions) go before what they reference.
function dropOrder(tables: Record<string, TableSnapshot>, keys: string[]): string[] {
  const set = new Set(keys);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    // Whoever references k (or is a partition of k) must be dropped first.
    for (const other of keys) {
      if (other === k) continue;
      const t = tables[other];
      const refs = Object.values(t.constraints).some((c) =>
        c.type === "foreign key" && referencedTable(c.definition, other) === k
      );
      if (refs || t.partitionOf?.parent === k) visit(other);
    }
    out.push(k);
  };
  for (const k of [...set].sort()) visit(k);
  return out;
}

/** The `schema.table` a foreign key definition references (`REFERENCES tb_user(pk_user)`). */
export function referencedTable(definition: string, owner: string): string | undefined {
  const m = /REFERENCES ((?:"(?:[^"]|"")+"|[^\s(."]+)(?:\.(?:"(?:[^"]|"")+"|[^\s(."]+))?)\(/.exec(definition);
  if (!m) return undefined;
  const parts = m[1].match(/"(?:[^"]|"")+"|[^."]+/g)!.map((
    p,
  ) => (p.startsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p));
  return parts.length === 2 ? `${parts[0]}.${parts[1]}` : `${schemaOf(owner)}.${parts[0]}`;
}

function alterTable(ctx: PlanContext, key: string, c: TableSnapshot, w: TableSnapshot): void {
  if (c.kind !== w.kind || c.partitionKey !== w.partitionKey) {
    ctx.cannot(
      key,
      `${key} changes from ${c.kind} ${c.partitionKey ?? ""} to ${w.kind} ${w.partitionKey ?? ""}`.replace(/\s+/g, " "),
    );
  }
  if (JSON.stringify(c.partitionOf) !== JSON.stringify(w.partitionOf)) {
    ctx.cannot(key, `${key}: attaching, detaching or re-bounding a partition is not planned`);
  }
  planColumns(ctx, key, c, w);
  planConstraints(ctx, key, c, w);
  planIndexes(ctx, key, c.indexes, w.indexes, w.kind === "partitioned table");
  planTriggersAndPolicies(ctx, key, c, w);
  if (c.comment !== w.comment) {
    ctx.add("main", PHASE.comment, key, "comment", [`COMMENT ON TABLE ${rel(key)} IS ${literal(w.comment)}`], [
      `COMMENT ON TABLE ${rel(key)} IS ${literal(c.comment)}`,
    ]);
  }
}

function planColumns(ctx: PlanContext, key: string, cur: TableSnapshot, want: TableSnapshot): void {
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
  for (const [name, w] of orderedColumns(want)) {
    const c = cur.columns[name];
    if (c) alterColumn(ctx, key, name, c, w);
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

function alterColumn(ctx: PlanContext, key: string, name: string, c: ColumnSnapshot, w: ColumnSnapshot): void {
  const t = rel(key);
  const col = `${t} ALTER COLUMN ${ident(name)}`;
  const object = `${key}.${name}`;
  if (JSON.stringify(c.generated) !== JSON.stringify(w.generated)) {
    // PostgreSQL 15 cannot change a generation expression in place: drop and add the column.
    ctx.touchedColumns.add(object);
    const notes = ctx.hazard(
      "rewrite",
      object,
      `${object} changes how it is generated: the column is dropped and added again`,
    );
    // Two changes, so that a column the old expression reads can be dropped in between (PostgreSQL
    // refuses to drop a column a generated column still reads); the down undoes them in reverse.
    ctx.add(
      "main",
      PHASE.dropGeneratedColumn,
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

function planConstraints(ctx: PlanContext, key: string, cur: TableSnapshot, want: TableSnapshot): void {
  for (const [name, c] of Object.entries(cur.constraints)) {
    if (c.type === "trigger") continue;
    const w = want.constraints[name];
    if (w && w.type === c.type && w.definition === c.definition) continue;
    const phase = c.type === "foreign key" ? PHASE.dropForeignKey : PHASE.dropConstraint;
    ctx.add("main", phase, `${key}.${name}`, "drop constraint", [dropConstraintSql(key, name)], [
      addConstraintSql(key, name, c.definition),
    ]);
  }
  for (const [name, w] of Object.entries(want.constraints)) {
    if (w.type === "trigger") continue;
    const c = cur.constraints[name];
    if (c && c.type === w.type && c.definition === w.definition) continue;
    addConstraintOnline(ctx, key, name, w);
  }
}

function addConstraintOnline(
  ctx: PlanContext,
  key: string,
  name: string,
  c: { type: string; definition: string },
): void {
  const object = `${key}.${name}`;
  const t = rel(key);
  const drop = dropConstraintSql(key, name);
  if (c.type === "foreign key" || c.type === "check") {
    const phase = c.type === "foreign key" ? PHASE.foreignKey : PHASE.constraint;
    if (/ NOT VALID$/.test(c.definition)) {
      ctx.add("main", phase, object, `add ${c.type}`, [addConstraintSql(key, name, c.definition)], [drop]);
      return;
    }
    const notValid = addConstraintSql(key, name, `${c.definition} NOT VALID`);
    ctx.add("main", phase, object, `add ${c.type} not valid`, [notValid], [drop]);
    ctx.add("validate", phase, object, `validate ${c.type}`, [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(name)}`], [
      drop,
      notValid,
    ]);
    return;
  }
  const index = c.type === "primary key" || c.type === "unique" ? backingIndexSql(key, name, c.definition) : undefined;
  if (index) {
    const using = `ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} ${
      c.type === "primary key" ? "PRIMARY KEY" : "UNIQUE"
    } USING INDEX ${ident(name)}`;
    if (c.type === "unique") {
      ctx.add("concurrently", PHASE.index, object, "add unique", [index, using], [drop]);
    } else {
      // After the validate migration has made the key columns NOT NULL without a scan.
      ctx.add("concurrently", PHASE.index, object, "build primary key index", [index], [
        `DROP INDEX ${indexName(schemaOf(key), name)}`,
      ]);
      ctx.add("validate", PHASE.constraint, object, "add primary key", [using], [
        drop,
        index.replace(" CONCURRENTLY", ""),
      ]);
    }
    return;
  }
  const notes = ctx.hazard("lock", object, `adding ${c.type} ${name} to ${key} builds its index while writes wait`);
  ctx.add(
    "main",
    PHASE.constraint,
    object,
    `add ${c.type}`,
    [
      `${allowLint("add-unique-constraint", `${WHY} with --allow-hazard lock`)}\n${
        addConstraintSql(key, name, c.definition)
      }`,
    ],
    [drop],
    notes,
  );
}

/** Plan the indexes of an existing table or materialized view. */
export function planIndexes(
  ctx: PlanContext,
  key: string,
  cur: Record<string, { definition: string }>,
  want: Record<string, { definition: string }>,
  partitioned: boolean,
): void {
  const schema = schemaOf(key);
  for (const [name, i] of Object.entries(cur)) {
    if (want[name]?.definition === i.definition) continue;
    ctx.add("main", PHASE.dropIndex, `${key}.${name}`, "drop index", [`DROP INDEX ${indexName(schema, name)}`], [
      i.definition,
    ]);
  }
  for (const [name, i] of Object.entries(want)) {
    if (cur[name]?.definition === i.definition) continue;
    const object = `${key}.${name}`;
    const drop = [`DROP INDEX ${indexName(schema, name)}`];
    if (partitioned) {
      // CONCURRENTLY does not work on a partitioned table.
      const notes = ctx.hazard("lock", object, `building ${name} on partitioned ${key} blocks writes while it builds`);
      ctx.add(
        "main",
        PHASE.index,
        object,
        "create index",
        [
          `${allowLint("create-index-non-concurrent", `${WHY} with --allow-hazard lock`)}\n${i.definition}`,
        ],
        drop,
        notes,
      );
    } else {ctx.add(
        "concurrently",
        PHASE.index,
        object,
        "create index concurrently",
        [concurrently(i.definition)],
        drop,
      );}
  }
}

function planTriggersAndPolicies(ctx: PlanContext, key: string, c: TableSnapshot, w: TableSnapshot): void {
  for (const [name, tr] of Object.entries(c.triggers)) {
    const wt = w.triggers[name];
    if (wt?.definition === tr.definition) continue;
    ctx.add(
      "main",
      PHASE.dropTrigger,
      `${key}.${name}`,
      "drop trigger",
      [`DROP TRIGGER ${ident(name)} ON ${rel(key)}`],
      createTriggerSql(key, name, tr),
    );
  }
  for (const [name, tr] of Object.entries(w.triggers)) {
    const ct = c.triggers[name];
    if (ct?.definition === tr.definition) {
      if (ct.enabled !== tr.enabled) {
        ctx.add(
          "main",
          PHASE.trigger,
          `${key}.${name}`,
          "trigger enabled",
          [triggerEnabledSql(key, name, tr.enabled)],
          [
            triggerEnabledSql(key, name, ct.enabled),
          ],
        );
      }
      continue;
    }
    ctx.add("main", PHASE.trigger, `${key}.${name}`, "create trigger", createTriggerSql(key, name, tr), [
      `DROP TRIGGER ${ident(name)} ON ${rel(key)}`,
    ]);
  }
  if (c.rowSecurity !== w.rowSecurity) {
    const rls = (on: boolean) => `ALTER TABLE ${rel(key)} ${on ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY`;
    ctx.add("main", PHASE.policy, key, "row level security", [rls(w.rowSecurity)], [rls(c.rowSecurity)]);
  }
  for (const [name, p] of Object.entries(c.policies)) {
    if (JSON.stringify(w.policies[name]) === JSON.stringify(p)) continue;
    ctx.add("main", PHASE.dropPolicy, `${key}.${name}`, "drop policy", [`DROP POLICY ${ident(name)} ON ${rel(key)}`], [
      createPolicySql(key, name, p),
    ]);
  }
  for (const [name, p] of Object.entries(w.policies)) {
    if (JSON.stringify(c.policies[name]) === JSON.stringify(p)) continue;
    ctx.add("main", PHASE.policy, `${key}.${name}`, "create policy", [createPolicySql(key, name, p)], [
      `DROP POLICY ${ident(name)} ON ${rel(key)}`,
    ]);
  }
}
