/**
 * Rules about changes that break the application code still running during a deploy:
 * renames and drops of tables and columns in an up migration.
 *
 * @module
 */
import { nameList, rangeVarName, type RelName, showRel } from "./ast.ts";
import type { Node, Statement } from "../sql/split.ts";
import { isExisting, type RawFinding, type RuleContext } from "./rule_context.ts";

const RENAMED = new Map([
  ["OBJECT_TABLE", "table"],
  ["OBJECT_VIEW", "view"],
  ["OBJECT_MATVIEW", "materialized view"],
  ["OBJECT_COLUMN", "column"],
]);

/**
 * Whether code outside this batch can be using the column: not when an earlier migration of
 * the batch added it, nor when the connected database's table has no such column (a
 * `DROP COLUMN IF EXISTS` of something already gone). Offline, a column not added in the
 * batch counts as live.
 */
function columnIsLive(ctx: RuleContext, rel: RelName, column: string): boolean {
  if (ctx.batch.columnType(rel, column) !== undefined) return false;
  if (!ctx.facts) return true;
  return ctx.facts.table(rel)?.columns.has(column) ?? false;
}

/** Check one statement of an up migration for renames and drops. */
export function checkBreakingRules(stmt: Statement, ctx: RuleContext): RawFinding[] {
  const n = stmt.node;
  if (stmt.type === "RenameStmt" && RENAMED.has(n.renameType)) {
    const rel = rangeVarName(n.relation);
    if (!isExisting(ctx, rel)) return [];
    const what = n.renameType === "OBJECT_COLUMN"
      ? `column ${showRel(rel)}.${n.subname}`
      : `${RENAMED.get(n.renameType)} ${showRel(rel)}`;
    return [{
      rule: "rename-breaks-code",
      stmt,
      message: `Renaming ${what} to ${n.newname} breaks code using the old name`,
    }];
  }
  if (stmt.type === "AlterTableStmt" && n.objtype === "OBJECT_TABLE") {
    const rel = rangeVarName(n.relation);
    if (!isExisting(ctx, rel)) return [];
    return (n.cmds ?? [])
      .map(({ AlterTableCmd: c }: Node) => c)
      .filter((c: Node | undefined) => c?.subtype === "AT_DropColumn" && columnIsLive(ctx, rel, c.name))
      .map((c: Node): RawFinding => ({
        rule: "drop-breaks-code",
        stmt,
        message: `Dropping column ${showRel(rel)}.${c.name} breaks code still using it and loses its data`,
      }));
  }
  if (stmt.type === "DropStmt" && n.removeType === "OBJECT_TABLE") {
    return (n.objects ?? [])
      .map((o: Node) => nameList(o.List?.items))
      .map((names: string[]): RelName =>
        names.length > 1 ? { schema: names.at(-2), name: names.at(-1)! } : { name: names[0] }
      )
      .filter((rel: RelName) => isExisting(ctx, rel) && (!ctx.facts || ctx.facts.table(rel) !== undefined))
      .map((rel: RelName): RawFinding => ({
        rule: "drop-breaks-code",
        stmt,
        message: `Dropping table ${showRel(rel)} breaks code still using it and loses its data`,
      }));
  }
  return [];
}
