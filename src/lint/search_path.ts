/**
 * Where unqualified objects are created: the first schema of a `search_path` an up migration
 * sets (`SET [LOCAL] search_path`, `set_config('search_path', …)`). A down that drops that
 * schema with CASCADE drops them, so reversibility must know their schema.
 *
 * @module
 */
import { calledFunctions, constantText, walk } from "./ast.ts";
import type { Node, Statement } from "../sql/split.ts";

/**
 * The creation schema after `stmt`: a name when it sets search_path to a list starting with a
 * plain schema, null when it resets it (or sets something unreadable), undefined when `stmt`
 * does not touch search_path.
 */
export function searchPathAfter(stmt: Statement): string | null | undefined {
  const n = stmt.node;
  if (stmt.type === "VariableSetStmt" && n.name?.toLowerCase() === "search_path") {
    if (n.kind !== "VAR_SET_VALUE") return null;
    // The parser already folded and unquoted each name of a SET.
    const first = constantText(n.args?.[0]) ?? "";
    return first === "" || first === "$user" || first.toLowerCase() === "pg_temp" ? null : first;
  }
  if (stmt.type === "SelectStmt" && calledFunctions(n).includes("set_config")) {
    let found: string | null | undefined;
    walk(n, (key, value) => {
      if (key !== "FuncCall" || value.funcname?.at(-1)?.String?.sval?.toLowerCase() !== "set_config") return;
      const [name, path] = (value.args ?? []).map((a: Node) => constantText(a));
      if (name?.toLowerCase() === "search_path") found = path === undefined ? null : firstSchema(path);
    });
    return found;
  }
  return undefined;
}

/** The first schema of a search_path written as text (`set_config`): quoted or folded to lower case. */
function firstSchema(path: string): string | null {
  const first = path.split(",")[0]?.trim() ?? "";
  if (first === "" || first === '"$user"' || first === "$user" || first.toLowerCase() === "pg_temp") return null;
  return first.startsWith('"') ? first.slice(1, -1).replaceAll('""', '"') : first.toLowerCase();
}
