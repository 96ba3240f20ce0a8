/**
 * The JSON paths of `json:` rules: a small JSONPath subset (`$.a.b`, `$["a b"]`, `$.list[*]`,
 * `$.list[0]`, `$.*`, `$..email`), parsed once and matched against the position of a value.
 *
 * @module
 */
import type { JsonStep } from "./rule.ts";

/** One step of a value's position: a key, an index, or (for sampled positions) any index. */
export type JsonPos = string | number | "[*]";

/**
 * Parse a path; throws an Error with a short reason on a path outside the subset.
 *
 * @example
 * ```ts
 * parseJsonPath("$.phones[*]"); // [{ key: "phones" }, { anyIndex: true }]
 * ```
 */
export function parseJsonPath(path: string): JsonStep[] {
  if (path[0] !== "$") throw new Error("a JSON path starts with $");
  const steps: JsonStep[] = [];
  let i = 1;
  const ident = /[A-Za-z0-9_$-]/;
  while (i < path.length) {
    if (path.startsWith("..", i)) {
      steps.push({ descend: true });
      i += 2;
      if (path[i] === "[") continue;
    } else if (path[i] === ".") i++;
    else if (path[i] !== "[") throw new Error(`unexpected "${path[i]}" at ${i + 1}`);
    if (path[i] === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) throw new Error("unclosed [");
      const inner = path.slice(i + 1, close).trim();
      if (inner === "*") steps.push({ anyIndex: true });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^(["']).*\1$/.test(inner) && inner.length >= 2) steps.push({ key: inner.slice(1, -1) });
      else throw new Error(`expected [*], [n] or ["key"], got [${inner}]`);
      i = close + 1;
      continue;
    }
    if (path[i] === "*") {
      steps.push({ anyKey: true });
      i++;
      continue;
    }
    let name = "";
    while (i < path.length && ident.test(path[i])) name += path[i++];
    if (!name) throw new Error(`expected a key at ${i + 1}`);
    steps.push({ key: name });
  }
  if (steps.length > 0 && "descend" in steps[steps.length - 1]) throw new Error("a path cannot end with ..");
  return steps;
}

function stepMatches(step: JsonStep, pos: JsonPos): boolean {
  if ("key" in step) return typeof pos === "string" && pos !== "[*]" && pos === step.key;
  if ("anyKey" in step) return typeof pos === "string" && pos !== "[*]";
  if ("index" in step) return pos === step.index;
  return typeof pos === "number" || pos === "[*]";
}

/**
 * Whether `steps` select `position` or one of its parents (a rule on an object masks what it
 * holds). A sampled position's `[*]` is matched only by `[*]`, never by one index.
 */
export function jsonPathCovers(steps: readonly JsonStep[], position: readonly JsonPos[]): boolean {
  const go = (s: number, p: number): boolean => {
    if (s === steps.length) return true;
    const step = steps[s];
    if ("descend" in step) {
      for (let q = p; q <= position.length; q++) if (go(s + 1, q)) return true;
      return false;
    }
    return p < position.length && stepMatches(step, position[p]) && go(s + 1, p + 1);
  };
  return go(0, 0);
}

/** A position as a path, for messages: `$.phones[*]`, `$["a b"]`. */
export function formatJsonPos(position: readonly JsonPos[]): string {
  return "$" +
    position.map((p) =>
      typeof p === "number"
        ? `[${p}]`
        : p === "[*]"
        ? "[*]"
        : /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(p)
        ? `.${p}`
        : `[${JSON.stringify(p)}]`
    ).join("");
}
