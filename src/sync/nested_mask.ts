/**
 * Masking the parts of a value: every element of an array (`each: true`), fields of a
 * composite (`fields:`), JSON paths (`json:`) and hstore keys (`hstore:`). A nested rule
 * decodes the value's text, masks its leaves with ordinary strategies, and writes it back;
 * plain columns never come here.
 *
 * @module
 */
import { closest } from "../config/validate.ts";
import { jsonPathCovers, type JsonPos } from "./json_path.ts";
import {
  type ArrayItems,
  formatArray,
  formatHstore,
  formatRecord,
  parseArray,
  parseHstore,
  parseRecord,
} from "./nested_text.ts";
import type { MaskedColumn, Rule, TypeShape } from "./rule.ts";

type Mask = (value: string) => string | null;
type LeafCompiler = (rule: Rule, column: MaskedColumn) => Promise<Mask>;
type LeafChecker = (rule: Rule, column: MaskedColumn) => { problems: string[]; warnings: string[] };

/** The column a leaf strategy sees at a position: its scalar type, never unique or NOT NULL. */
export function leafColumn(column: MaskedColumn, shape: TypeShape, path: string): MaskedColumn {
  const qualified = `${column.qualified}${path}`;
  if (shape.kind === "scalar") {
    return {
      qualified,
      type: shape.type,
      category: shape.category,
      maxLength: shape.maxLength,
      notNull: false,
      unique: false,
    };
  }
  return { qualified, type: shape.type, category: "other", notNull: false, unique: false, shape };
}

const JSON_LEAF = (column: MaskedColumn, path: string): MaskedColumn => ({
  qualified: `${column.qualified}${path}`,
  type: "a JSON string",
  category: "text",
  notNull: false,
  unique: false,
});

/** Problems and warnings of a nested rule against the column's shape (pure). */
export function checkNestedRule(rule: Rule, column: MaskedColumn, checkLeaf: LeafChecker) {
  const problems: string[] = [];
  const warnings: string[] = [];
  const add = (r: { problems: string[]; warnings: string[] }) => {
    problems.push(...r.problems);
    warnings.push(...r.warnings);
  };
  const go = (r: Rule, shape: TypeShape | undefined, col: MaskedColumn, path: string): void => {
    const where = `${col.qualified} (${r.origin})`;
    const n = r.nested;
    if (!n) return add(checkLeaf(r, shape ? leafColumn(col, shape, "") : col));
    if ("each" in n) {
      if (shape?.kind !== "array") return void problems.push(`${where}: each: needs an array, ${col.type} is not one`);
      return go(n.each, shape.element, leafColumn(column, shape.element, `${path}[*]`), `${path}[*]`);
    }
    if ("fields" in n) {
      if (shape?.kind !== "composite") {
        return void problems.push(`${where}: fields: needs a composite type, ${col.type} is not one`);
      }
      for (const [name, inner] of n.fields) {
        const field = shape.fields.find((f) => f.name === name);
        if (!field) {
          const near = closest(name, shape.fields.map((f) => f.name));
          problems.push(
            `${inner.origin}: ${col.qualified}.${name}: composite type ${shape.type} has no field ${name}${
              near ? ` (did you mean "${near}"?)` : ""
            }`,
          );
        } else go(inner, field.shape, leafColumn(column, field.shape, `${path}.${name}`), `${path}.${name}`);
      }
      return;
    }
    if ("json" in n) {
      if (shape?.kind !== "json") return void problems.push(`${where}: json: needs a json or jsonb column`);
      for (const p of n.json) {
        if (p.rule.nested) problems.push(`${col.qualified} ${p.path} (${p.rule.origin}): a JSON path takes a strategy`);
        else add(checkLeaf(p.rule, JSON_LEAF(col, ` ${p.path}`)));
      }
      return;
    }
    if (shape?.kind !== "hstore") return void problems.push(`${where}: hstore: needs an hstore column`);
    for (const [key, inner] of n.hstore) {
      if (inner.nested) problems.push(`${col.qualified}['${key}'] (${inner.origin}): an hstore key takes a strategy`);
      else add(checkLeaf(inner, JSON_LEAF(col, `['${key}']`)));
    }
  };
  go(rule, column.shape, column, "");
  return { problems, warnings };
}

/** Whether any strategy inside a nested rule needs the HMAC key. */
export function nestedRules(rule: Rule): Rule[] {
  const n = rule.nested;
  if (!n) return [rule];
  if ("each" in n) return nestedRules(n.each);
  if ("fields" in n) return [...n.fields.values()].flatMap(nestedRules);
  if ("json" in n) return n.json.flatMap((p) => nestedRules(p.rule));
  return [...n.hstore.values()].flatMap(nestedRules);
}

interface RawJson {
  rawJSON: string;
}
const J = JSON as unknown as {
  rawJSON(text: string): RawJson;
  isRawJSON(v: unknown): v is RawJson;
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, ctx: { source?: string }) => unknown,
  ): unknown;
};

/** Parse JSON keeping every number's text, so unmasked numbers are written back unchanged. */
export function parseJsonExact(text: string): unknown {
  return J.parse(text, (_k, v, ctx) => typeof v === "number" && ctx?.source ? J.rawJSON(ctx.source) : v);
}

/** Whether a parsed value is a number kept as its text (see {@link parseJsonExact}). */
export function rawNumber(v: unknown): string | undefined {
  return J.isRawJSON(v) ? v.rawJSON : undefined;
}

/** Build the masker of a nested rule; it sees non-NULL values only. */
export async function compileNested(rule: Rule, column: MaskedColumn, compileLeaf: LeafCompiler): Promise<Mask> {
  const build = async (r: Rule, shape: TypeShape, path: string): Promise<Mask> => {
    const n = r.nested;
    if (!n) return await compileLeaf(r, leafColumn(column, shape, path));
    if ("each" in n && shape.kind === "array") {
      const inner = await build(n.each, shape.element, `${path}[*]`);
      const map = (items: ArrayItems): ArrayItems =>
        items.map((v) => v === null ? null : Array.isArray(v) ? map(v) : inner(v));
      return (v) => {
        const parsed = parseArray(v);
        return formatArray({ bounds: parsed.bounds, items: map(parsed.items) });
      };
    }
    if ("fields" in n && shape.kind === "composite") {
      const inner = await Promise.all(shape.fields.map((f) => {
        const fr = n.fields.get(f.name);
        return fr ? build(fr, f.shape, `${path}.${f.name}`) : undefined;
      }));
      return (v) => formatRecord(parseRecord(v).map((x, i) => x === null || !inner[i] ? x : inner[i]!(x)));
    }
    if ("json" in n && shape.kind === "json") {
      const paths = await Promise.all(
        n.json.map(async (p) => ({ steps: p.steps, mask: await compileLeaf(p.rule, JSON_LEAF(column, ` ${p.path}`)) })),
      );
      const walk = (node: unknown, pos: JsonPos[]): unknown => {
        const raw = rawNumber(node);
        if (typeof node === "string" || raw !== undefined) {
          const hit = paths.find((p) => jsonPathCovers(p.steps, pos));
          return hit ? hit.mask(raw ?? (node as string)) : node;
        }
        if (Array.isArray(node)) return node.map((x, i) => walk(x, [...pos, i]));
        if (node !== null && typeof node === "object") {
          return Object.fromEntries(Object.entries(node).map(([k, x]) => [k, walk(x, [...pos, k])]));
        }
        return node;
      };
      return (v) => JSON.stringify(walk(parseJsonExact(v), []));
    }
    if ("hstore" in n && shape.kind === "hstore") {
      const keys = new Map<string, Mask>();
      for (const [k, inner] of n.hstore) keys.set(k, await compileLeaf(inner, JSON_LEAF(column, `['${k}']`)));
      const any = keys.get("*");
      return (v) =>
        formatHstore(
          parseHstore(v).map(([k, x]) => {
            const m = keys.get(k) ?? any;
            return [k, x === null || !m ? x : m(x)];
          }),
        );
    }
    throw new Error(`${column.qualified}${path}: the rule does not fit ${shape.type}`);
  };
  if (!column.shape) throw new Error(`${column.qualified}: a nested rule needs the column's type`);
  return await build(rule, column.shape, "");
}
