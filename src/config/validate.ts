/**
 * A small declarative validator for YAML configuration: it turns unknown input into trusted
 * values and collects every problem at once, each with its key path and line.
 *
 * @module
 */

/** One problem found while validating, with where it is. */
export interface Problem {
  path: string;
  message: string;
  line?: number;
}

/** Validation context: the problems so far and a line lookup for key paths. */
export interface Ctx {
  problems: Problem[];
  lineOf(path: string): number | undefined;
}

/** A validator for one value: returns the trusted value, or undefined after recording a problem. */
export type Spec<T> = {
  (value: unknown, path: string, ctx: Ctx): T | undefined;
  /** Present on object specs: their known keys, for "did you mean" hints. */
  keys?: readonly string[];
};

function fail(ctx: Ctx, path: string, message: string): undefined {
  ctx.problems.push({ path, message, line: ctx.lineOf(path) });
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** A string, optionally matching a pattern. */
export function str(options: { pattern?: RegExp; hint?: string; nonEmpty?: boolean } = {}): Spec<string> {
  return (v, path, ctx) => {
    if (typeof v === "number" || typeof v === "boolean") v = String(v);
    if (typeof v !== "string") return fail(ctx, path, `expected a string, got ${typeName(v)}`);
    if (options.nonEmpty && v.trim() === "") return fail(ctx, path, "must not be empty");
    if (options.pattern && !options.pattern.test(v)) {
      return fail(ctx, path, `invalid value ${JSON.stringify(v)}${options.hint ? `: ${options.hint}` : ""}`);
    }
    return v;
  };
}

/** A boolean (YAML true/false). */
export function bool(): Spec<boolean> {
  return (v, path, ctx) => typeof v === "boolean" ? v : fail(ctx, path, `expected true or false, got ${typeName(v)}`);
}

/** An integer within bounds. */
export function int(options: { min?: number; max?: number } = {}): Spec<number> {
  return (v, path, ctx) => {
    if (typeof v !== "number" || !Number.isInteger(v)) {
      return fail(ctx, path, `expected an integer, got ${typeName(v)}`);
    }
    if (options.min !== undefined && v < options.min) return fail(ctx, path, `must be at least ${options.min}`);
    if (options.max !== undefined && v > options.max) return fail(ctx, path, `must be at most ${options.max}`);
    return v;
  };
}

/** A number (integer or not) within bounds. */
export function num(options: { min?: number; max?: number } = {}): Spec<number> {
  return (v, path, ctx) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return fail(ctx, path, `expected a number, got ${typeName(v)}`);
    if (options.min !== undefined && v < options.min) return fail(ctx, path, `must be at least ${options.min}`);
    if (options.max !== undefined && v > options.max) return fail(ctx, path, `must be at most ${options.max}`);
    return v;
  };
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(values: readonly T[]): Spec<T> {
  return (v, path, ctx) =>
    typeof v === "string" && (values as readonly string[]).includes(v)
      ? v as T
      : fail(ctx, path, `expected one of ${values.join(", ")}, got ${typeName(v)}`);
}

/**
 * A duration in milliseconds: an integer (ms) or a string like `500ms`, `5s`, `2min`, `1h`.
 * `0` and `"0"` mean "no limit" where the caller says so.
 */
export function duration(): Spec<number> {
  return (v, path, ctx) => {
    const ms = parseDuration(v);
    return ms === undefined ? fail(ctx, path, `expected a duration like 500ms, 5s, 2min, got ${typeName(v)}`) : ms;
  };
}

/** Parse `500ms`, `5s`, `2min`, `1h` or a bare number of milliseconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  if (typeof v !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "ms").toLowerCase();
  const factor = unit === "ms" ? 1 : unit.startsWith("s") ? 1000 : unit.startsWith("h") ? 3_600_000 : 60_000;
  return Math.round(n * factor);
}

/** A list whose items each satisfy `item`. A single scalar is accepted as a one-item list. */
export function list<T>(item: Spec<T>, options: { acceptScalar?: boolean } = {}): Spec<T[]> {
  return (v, path, ctx) => {
    if (!Array.isArray(v)) {
      if (options.acceptScalar && v !== null && typeof v !== "object") v = [v];
      else return fail(ctx, path, `expected a list, got ${typeName(v)}`);
    }
    const out: T[] = [];
    let ok = true;
    (v as unknown[]).forEach((x, i) => {
      const r = item(x, `${path}[${i}]`, ctx);
      if (r === undefined) ok = false;
      else out.push(r);
    });
    return ok ? out : undefined;
  };
}

/** A mapping from free-form keys to values satisfying `value`. */
export function record<T>(value: Spec<T>): Spec<Record<string, T>> {
  return (v, path, ctx) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      return fail(ctx, path, `expected a mapping, got ${typeName(v)}`);
    }
    const out: Record<string, T> = {};
    let ok = true;
    for (const [k, x] of Object.entries(v)) {
      const r = value(x, path ? `${path}.${k}` : k, ctx);
      if (r === undefined) ok = false;
      else out[k] = r;
    }
    return ok ? out : undefined;
  };
}

/** Either of two specs, tried in order; the first one's problems are reported if both fail. */
export function either<A, B>(a: Spec<A>, b: Spec<B>): Spec<A | B> {
  return (v, path, ctx) => {
    const trial: Ctx = { problems: [], lineOf: ctx.lineOf };
    const ra = a(v, path, trial);
    if (ra !== undefined) return ra;
    const rb = b(v, path, { problems: [], lineOf: ctx.lineOf });
    if (rb !== undefined) return rb;
    ctx.problems.push(...trial.problems);
    return undefined;
  };
}

type Field<T> = { spec: Spec<T>; required?: boolean; default?: T };
type Shape = Record<string, Field<unknown> | Spec<unknown>>;
type Out<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<infer T>
    ? (S[K] extends { required: true } | { default: unknown } ? T : T | undefined)
    : S[K] extends Spec<infer T> ? T | undefined
    : never;
};

/** Mark a field as required. */
export function required<T>(spec: Spec<T>): Field<T> & { required: true } {
  return { spec, required: true };
}

/** Give a field a default value. */
export function withDefault<T>(spec: Spec<T>, value: T): Field<T> & { default: T } {
  return { spec, default: value };
}

/**
 * A mapping with known keys. Unknown keys are problems (with a "did you mean" hint);
 * missing required keys are problems; absent keys take their defaults.
 */
export function obj<S extends Shape>(shape: S): Spec<Out<S>> {
  const keys = Object.keys(shape);
  const spec: Spec<Out<S>> = (v, path, ctx) => {
    if (v === null || v === undefined) v = {};
    if (typeof v !== "object" || Array.isArray(v)) return fail(ctx, path, `expected a mapping, got ${typeName(v)}`);
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const key of Object.keys(input)) {
      if (!(key in shape)) {
        const near = closest(key, keys);
        fail(ctx, join(path, key), `unknown key${near ? ` (did you mean "${near}"?)` : ""}`);
        ok = false;
      }
    }
    for (const key of keys) {
      const field = shape[key];
      const f: Field<unknown> = typeof field === "function" ? { spec: field } : field;
      const raw = input[key];
      if (raw === undefined || raw === null) {
        if (f.required) {
          fail(ctx, join(path, key), "is required");
          ok = false;
        } else out[key] = f.default;
        continue;
      }
      const r = f.spec(raw, join(path, key), ctx);
      if (r === undefined) ok = false;
      else out[key] = r;
    }
    return ok ? out as Out<S> : undefined;
  };
  spec.keys = keys;
  return spec;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The closest candidate within edit distance 2, for typo hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** An object-valued field that, when absent, takes the defaults of all its keys. */
export function section<T>(spec: Spec<T>): Field<T> & { default: T } {
  const value = spec({}, "", { problems: [], lineOf: () => undefined });
  if (value === undefined) throw new Error("section(): the spec must accept an empty mapping");
  return { spec, default: value };
}
