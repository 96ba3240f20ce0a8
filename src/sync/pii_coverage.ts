/**
 * The one decision of what would leak: which parts of a column look like personal data and
 * are not covered by its rule. Plain columns are judged by name and type; arrays by their
 * elements, composites by their fields, json/jsonb and hstore by the keys and values sampled
 * from the data. `sync check` and `sync` both get their findings from here (through the plan).
 *
 * @module
 */
import { formatJsonPos, jsonPathCovers, type JsonPos } from "./json_path.ts";
import { detectPii, detectPiiValues, type PiiKind } from "./pii.ts";
import type { Rule, SampledLeaf, TypeShape, ValuePart } from "./rule.ts";
import type { ColumnCategory } from "./rule.ts";
import { keyPart } from "./names.ts";

/** A column (or a part of one: `path`) that looks like personal data and has no rule. */
export interface PiiFinding {
  column: string;
  kind: PiiKind;
  type: string;
  /** Inside the value: `[*]` (every element), `.field`, `$.key` (json), `['key']` (hstore). */
  path?: string;
}

/** What the check needs to know about a column. */
export interface PiiColumn {
  name: string;
  type: string;
  category: ColumnCategory;
  shape?: TypeShape;
  samples?: readonly SampledLeaf[];
}

/** Render a path into a value, as in {@link PiiFinding.path}. */
export function formatParts(parts: readonly ValuePart[]): string {
  let out = "";
  let json: JsonPos[] | undefined;
  const flush = () => {
    if (json) out += formatJsonPos(json);
    json = undefined;
  };
  for (const p of parts) {
    if ("json" in p) (json ??= []).push(p.json);
    else {
      flush();
      out += "each" in p ? "[*]" : "field" in p ? `.${p.field}` : `['${p.key}']`;
    }
  }
  flush();
  return out;
}

/** Whether `rule` masks (or marks as not personal) the part of a value at `parts`. */
export function ruleCovers(rule: Rule | undefined, parts: readonly ValuePart[]): boolean {
  if (!rule) return false;
  const n = rule.nested;
  if (!n) return true; // a whole-value strategy (keep included) decides for every part
  const [head, ...rest] = parts;
  if (!head) return false;
  if ("each" in n) return "each" in head && ruleCovers(n.each, rest);
  if ("fields" in n) return "field" in head && ruleCovers(n.fields.get(head.field), rest);
  if ("json" in n) {
    const positions: JsonPos[] = [];
    for (const p of parts) {
      if (!("json" in p)) break;
      positions.push(p.json);
    }
    return n.json.some((p) => jsonPathCovers(p.steps, positions));
  }
  return "key" in head && (n.hstore.has(head.key) || n.hstore.has("*"));
}

/** The nearest name above a position: a json/hstore key or a field, else the column's. */
function nearestName(column: string, parts: readonly ValuePart[]): string {
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    if ("field" in p) return p.field;
    if ("key" in p) return p.key;
    if ("json" in p && typeof p.json === "string" && p.json !== "[*]") return p.json;
  }
  return column;
}

/**
 * The parts of a column that look like personal data and are not covered by `rule`.
 *
 * @example
 * ```ts
 * findUnmaskedPii("public.tb_user", "tb_user", { name: "email", type: "text", category: "text" }, undefined);
 * // [{ column: "public.tb_user.email", kind: "email", type: "text" }]
 * ```
 */
export function findUnmaskedPii(
  tableKey: string,
  table: string,
  column: PiiColumn,
  rule: Rule | undefined,
): PiiFinding[] {
  const qualified = `${tableKey}.${keyPart(column.name)}`;
  if (!column.shape) {
    const kind = rule ? undefined : detectPii(column.name, column.category, table);
    return kind ? [{ column: qualified, kind, type: column.type }] : [];
  }
  const found = new Map<string, PiiFinding>();
  const report = (parts: ValuePart[], kind: PiiKind | undefined, type: string) => {
    if (!kind || ruleCovers(rule, parts)) return;
    const path = formatParts(parts);
    if (!found.has(path)) found.set(path, { column: qualified, kind, type, ...(path ? { path } : {}) });
  };
  // `inherited`: the kind the column's (or an enclosing field's) name suggests for what it holds.
  const walk = (shape: TypeShape, parts: ValuePart[], inherited: PiiKind | undefined): void => {
    const name = nearestName(column.name, parts);
    switch (shape.kind) {
      case "scalar": {
        const own = detectPii(name, shape.category, table);
        return report(parts, own ?? (shape.category === "text" ? inherited : undefined), shape.type);
      }
      case "array":
        return walk(shape.element, [...parts, { each: true }], inherited ?? detectPii(name, "text", table));
      case "composite": {
        const mine = inherited ?? (parts.length === 0 ? detectPii(name, "text", table) : undefined);
        for (const f of shape.fields) walk(f.shape, [...parts, { field: f.name }], mine);
        return;
      }
      case "json":
      case "hstore": {
        const prefix = formatParts(parts);
        const leaves = (column.samples ?? []).filter((s) => formatParts(s.parts.slice(0, parts.length)) === prefix);
        const own = inherited ?? detectPii(name, "text", table);
        // Nothing sampled (an empty table): only the name can tell.
        if (leaves.length === 0) return report(parts, own, shape.type);
        for (const leaf of leaves) {
          const key = nearestName("", leaf.parts.slice(parts.length));
          const kind = (key ? detectPii(key, "text", table) : undefined) ?? detectPiiValues(leaf.values) ?? own;
          report(leaf.parts, kind, shape.kind === "json" ? `${shape.type} value` : "hstore value");
        }
      }
    }
  };
  walk(column.shape, [], undefined);
  return [...found.values()];
}
