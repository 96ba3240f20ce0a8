/**
 * The mapping's `where:` is pasted into every batch's SELECT, so it must be exactly one SQL
 * expression: one that closes its own parenthesis (`pk > 0) OR (true`) or adds a clause
 * (`true ORDER BY 1`, `true; DROP …`) would change the query around it. The PostgreSQL
 * parser decides, not a pattern.
 *
 * @module
 */
import { parseTree } from "../sql/parser.ts";

// The only fields a parsed `SELECT 1 WHERE <expression>` may have.
const PLAIN_SELECT = new Set(["targetList", "whereClause", "limitOption", "op"]);

/**
 * Why `where` is not exactly one expression, or undefined when it is.
 *
 * @example
 * ```ts
 * await whereProblem("deleted_at IS NULL"); // undefined
 * await whereProblem("pk > 0) OR (true"); // "is not one SQL expression: syntax error at or near \")\""
 * ```
 */
export async function whereProblem(where: string): Promise<string | undefined> {
  let tree;
  try {
    tree = await parseTree(`SELECT 1 WHERE ${where}`);
  } catch (e) {
    return `is not one SQL expression: ${(e as Error).message}`;
  }
  const stmts = tree.stmts ?? [];
  const select = stmts.length === 1 ? stmts[0].stmt.SelectStmt as Record<string, unknown> | undefined : undefined;
  if (
    !select || !select.whereClause || select.op !== "SETOP_NONE" ||
    select.limitOption !== "LIMIT_OPTION_DEFAULT" || Object.keys(select).some((k) => !PLAIN_SELECT.has(k))
  ) {
    return "must be exactly one SQL expression (a condition over the source row), not a clause or statement";
  }
  return undefined;
}
