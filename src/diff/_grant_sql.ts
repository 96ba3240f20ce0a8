/**
 * GRANT and REVOKE statements from the snapshot's privilege lists (`kind name` keys, items
 * `PRIVILEGE TO grantee [WITH GRANT OPTION]`): shared by the privilege planner and the view
 * SQL, which grants again what a recreated view loses. Module-private.
 *
 * @module
 */
import { fn, ident, rel } from "./_names.ts";
import type { PlanInput } from "./types.ts";

/** The privileges PostgreSQL grants by itself on an object of `kind` (beyond its owner's). */
export function defaultPrivileges(kind: string): string[] {
  return ["function", "procedure", "aggregate", "window"].includes(kind) ? ["EXECUTE TO PUBLIC"] : [];
}

/** The privileges held on `key` (`kind name`) in `input`: listed, or the defaults. */
export function privilegesOf(input: PlanInput, key: string): string[] {
  return input.catalog.privileges?.[key] ?? defaultPrivileges(splitPrivilegeKey(key)[0]);
}

const KINDS = [
  "materialized view",
  "table",
  "view",
  "sequence",
  "column",
  "function",
  "procedure",
  "aggregate",
  "window",
  "schema",
];

/** The kind and name of a privilege key (`materialized view s.mv` → [`materialized view`, `s.mv`]). */
export function splitPrivilegeKey(key: string): [string, string] {
  const kind = KINDS.find((k) => key.startsWith(`${k} `)) ?? key.slice(0, key.indexOf(" "));
  return [kind, key.slice(kind.length + 1)];
}

/** REVOKE what `from` has and `to` has not, then GRANT what `to` adds: the statements that turn one list into the other. */
export function grantSql(key: string, from: readonly string[], to: readonly string[]): string[] {
  const [kind, name] = splitPrivilegeKey(key);
  const on = target(kind, name);
  const out: string[] = [];
  for (const item of from.filter((i) => !to.includes(i))) {
    const [privilege, grantee] = parts(item);
    out.push(`REVOKE ${privilege}${on.columns} ON ${on.object} FROM ${grantee.replace(/ WITH GRANT OPTION$/, "")}`);
  }
  for (const item of to.filter((i) => !from.includes(i))) {
    const [privilege, grantee] = parts(item);
    out.push(`GRANT ${privilege}${on.columns} ON ${on.object} TO ${grantee}`);
  }
  return out;
}

function parts(item: string): [string, string] {
  const at = item.indexOf(" TO ");
  return [item.slice(0, at), item.slice(at + 4)];
}

function target(kind: string, name: string): { object: string; columns: string } {
  switch (kind) {
    case "schema":
      return { object: `SCHEMA ${ident(name)}`, columns: "" };
    case "sequence":
      return { object: `SEQUENCE ${rel(name)}`, columns: "" };
    case "column": {
      const dot = name.lastIndexOf(".");
      return { object: `TABLE ${rel(name.slice(0, dot))}`, columns: ` (${ident(name.slice(dot + 1))})` };
    }
    case "table":
    case "view":
    case "materialized view":
      return { object: `TABLE ${rel(name)}`, columns: "" };
    default:
      return { object: `ROUTINE ${fn(name)}`, columns: "" };
  }
}
