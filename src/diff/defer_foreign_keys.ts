/**
 * A foreign key needs a unique index on the columns it references. When that key is itself new
 * on an existing table, it is built CONCURRENTLY (or attached in the validate migration), after
 * the main migration: the foreign keys that reference it move after it, NOT VALID in the validate
 * migration, validated in one more. Module-private to the planner.
 *
 * @module
 */
import type { PlanContext } from "./_context.ts";
import { ident, rel } from "./_names.ts";
import { dropConstraintSql } from "./_sql.ts";

const columnsOf = (list: string) => list.split(",").map((c) => c.trim().replaceAll('"', "")).sort().join(",");

// `schema.table` and constraint name of a change's object.
function split(object: string): [string, string] {
  const parts = object.split(".");
  return [parts.slice(0, 2).join("."), parts.slice(2).join(".")];
}

/** Move the foreign keys that reference a key built after the main migration after that key. */
export function deferForeignKeysToNewKeys(ctx: PlanContext): void {
  const late = new Set<string>();
  for (const ch of ctx.changes) {
    const built = (ch.stage === "concurrently" && ch.action === "add unique") ||
      (ch.stage === "validate" && ch.action === "add primary key");
    if (!built) continue;
    const [table, name] = split(ch.object);
    const m = /\(([^()]*)\)/.exec(ctx.desired.catalog.tables[table]?.constraints[name]?.definition ?? "");
    if (m) late.add(`${table}(${columnsOf(m[1])})`);
  }
  if (!late.size) return;
  for (const ch of [...ctx.changes]) {
    if (!["add foreign key", "add foreign key not valid", "validate foreign key"].includes(ch.action)) continue;
    const [table, name] = split(ch.object);
    const def = ctx.desired.catalog.tables[table]?.constraints[name]?.definition ?? "";
    const m = /REFERENCES ((?:[\w$"]+\.)?[\w$"]+)\s*\(([^()]*)\)/.exec(def);
    if (!m) continue;
    const target = m[1].replaceAll('"', "");
    if (!late.has(`${target.includes(".") ? target : `public.${target}`}(${columnsOf(m[2])})`)) continue;
    if (ch.action === "validate foreign key") {
      ch.stage = "validate_foreign_keys";
      continue;
    }
    ch.stage = "validate";
    if (ch.action === "add foreign key not valid") continue;
    // A new table's key was plain DDL in the main migration; from a later one it goes NOT VALID.
    ch.action = "add foreign key not valid";
    ch.up = ch.up.map((q) => `${q} NOT VALID`);
    ctx.add(
      "validate_foreign_keys",
      ch.phase,
      ch.object,
      "validate foreign key",
      [`ALTER TABLE ${rel(table)} VALIDATE CONSTRAINT ${ident(name)}`],
      [dropConstraintSql(table, name), ...ch.up],
    );
  }
}
