/**
 * Plan what hangs off an existing table besides its columns: constraints, indexes, triggers,
 * row-level security and policies. Split from `plan_tables.ts` so that the online ways of adding
 * them (CREATE INDEX CONCURRENTLY, NOT VALID then VALIDATE, UNIQUE/PK through USING INDEX) sit
 * in one place, next to the plain ways of dropping them. An object unchanged in the desired state
 * is still dropped and created again when a column it uses changes under it (`plan_dependents.ts`).
 *
 * @module
 */
import type { TableSnapshot } from "../catalog/types.ts";
import { allowLint, PHASE, type PlanContext } from "./_context.ts";
import { ident, rel, schemaOf } from "./_names.ts";
import {
  addConstraintSql,
  backingIndexSql,
  concurrently,
  createPolicySql,
  createTriggerSql,
  dropConstraintSql,
  indexName,
  triggerEnabledSql,
} from "./_sql.ts";
import { mustRebuild } from "./plan_dependents.ts";

const WHY = "written by migrate diff";

/** Plan the constraints of the existing table `key`. */
export function planConstraints(ctx: PlanContext, key: string, cur: TableSnapshot, want: TableSnapshot): void {
  for (const [name, c] of Object.entries(cur.constraints)) {
    if (c.type === "trigger") continue;
    const w = want.constraints[name];
    if (w && w.type === c.type && w.definition === c.definition && !mustRebuild(ctx, "constraint", key, name)) continue;
    const phase = c.type === "foreign key" ? PHASE.dropForeignKey : PHASE.dropConstraint;
    ctx.add("main", phase, `${key}.${name}`, "drop constraint", [dropConstraintSql(key, name)], [
      addConstraintSql(key, name, c.definition),
    ]);
  }
  for (const [name, w] of Object.entries(want.constraints)) {
    if (w.type === "trigger") continue;
    const c = cur.constraints[name];
    const rebuilt = mustRebuild(ctx, "constraint", key, name);
    if (c && c.type === w.type && c.definition === w.definition && !rebuilt) continue;
    addConstraintOnline(ctx, key, name, w, rebuilt);
  }
}

function addConstraintOnline(
  ctx: PlanContext,
  key: string,
  name: string,
  c: { type: string; definition: string },
  late: boolean,
): void {
  const object = `${key}.${name}`;
  const t = rel(key);
  const drop = dropConstraintSql(key, name);
  if (c.type === "foreign key" || c.type === "check") {
    const phase = c.type === "foreign key"
      ? (late ? PHASE.lateForeignKey : PHASE.foreignKey)
      : (late ? PHASE.lateConstraint : PHASE.constraint);
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
    late ? PHASE.lateConstraint : PHASE.constraint,
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
  const rebuilt = (name: string) => mustRebuild(ctx, "index", key, name);
  for (const [name, i] of Object.entries(cur)) {
    if (want[name]?.definition === i.definition && !rebuilt(name)) continue;
    ctx.add("main", PHASE.dropIndex, `${key}.${name}`, "drop index", [`DROP INDEX ${indexName(schema, name)}`], [
      i.definition,
    ]);
  }
  for (const [name, i] of Object.entries(want)) {
    if (cur[name]?.definition === i.definition && !rebuilt(name)) continue;
    const object = `${key}.${name}`;
    const drop = [`DROP INDEX ${indexName(schema, name)}`];
    if (partitioned) {
      // CONCURRENTLY does not work on a partitioned table.
      const notes = ctx.hazard("lock", object, `building ${name} on partitioned ${key} blocks writes while it builds`);
      ctx.add(
        "main",
        rebuilt(name) ? PHASE.lateIndex : PHASE.index,
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

/** Plan the triggers, row-level security and policies of the existing table `key`. */
export function planTriggersAndPolicies(ctx: PlanContext, key: string, c: TableSnapshot, w: TableSnapshot): void {
  for (const [name, tr] of Object.entries(c.triggers)) {
    const wt = w.triggers[name];
    if (wt?.definition === tr.definition && !mustRebuild(ctx, "trigger", key, name)) continue;
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
    if (ct?.definition === tr.definition && !mustRebuild(ctx, "trigger", key, name)) {
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
  const same = (a: unknown, b: unknown, name: string) =>
    JSON.stringify(a) === JSON.stringify(b) && !mustRebuild(ctx, "policy", key, name);
  for (const [name, p] of Object.entries(c.policies)) {
    if (same(w.policies[name], p, name)) continue;
    ctx.add("main", PHASE.dropPolicy, `${key}.${name}`, "drop policy", [`DROP POLICY ${ident(name)} ON ${rel(key)}`], [
      createPolicySql(key, name, p),
    ]);
  }
  for (const [name, p] of Object.entries(w.policies)) {
    if (same(c.policies[name], p, name)) continue;
    ctx.add("main", PHASE.policy, `${key}.${name}`, "create policy", [createPolicySql(key, name, p)], [
      `DROP POLICY ${ident(name)} ON ${rel(key)}`,
    ]);
  }
}
