/**
 * The anonymization profile (`db/anonymization.yaml`): which strategy masks which column,
 * and where the HMAC key comes from. Every problem in the file is reported at once.
 *
 * ```yaml
 * key_env: CONFITURE_ANON_KEY        # the variable holding the secret (this is the default)
 * rules:
 *   public.tb_user.email: email
 *   public.tb_user.first_name: { strategy: name, part: first }
 *   tb_user.phone: { strategy: phone, format: "+1 555 ### ####" }   # schema defaults to public
 *   tb_user.emails: { strategy: email, each: true }                  # every element of a text[]
 *   tb_user.contact: { json: { "$.email": email, "$.phones[*]": phone } }
 *   tb_user.attrs: { hstore: { email: email } }
 *   tb_user.home: { fields: { street: { strategy: address, part: street } } }   # a composite
 * ```
 *
 * @module
 */
import { parseYamlWithLines, yamlValue } from "../config/yaml_lines.ts";
import { ConfigError } from "../errors.ts";
import { readTextIfExists } from "../platform/fs.ts";
import { int, obj, oneOf, type Problem, record, required, type Spec, str } from "../config/validate.ts";
import { parseJsonPath } from "./json_path.ts";
import { type JsonStep, type Rule, STRATEGY_NAMES, type StrategyName } from "./rule.ts";
import { keyPart, splitKey, tableKey } from "./names.ts";

/** The default environment variable holding the anonymization key. */
export const DEFAULT_KEY_ENV = "CONFITURE_ANON_KEY";

/** A validated profile. */
export interface AnonymizationProfile {
  /** The file read, as shown to users; undefined when no file was read. */
  file?: string;
  /** The environment variable that holds the HMAC key. */
  keyEnv: string;
  /** Rules by `schema.table.column`. */
  rules: Map<string, Rule>;
}

const anything: Spec<unknown> = (v) => v;
const anyList: Spec<unknown[]> = (v, path, ctx) => {
  if (Array.isArray(v)) return v;
  ctx.problems.push({ path, message: "expected a list", line: ctx.lineOf(path) });
  return undefined;
};

const strategy = required(oneOf(STRATEGY_NAMES));
const OPTIONS: Record<StrategyName, Spec<Record<string, unknown>>> = {
  email: obj({ strategy, domain: str({ pattern: /^[a-zA-Z0-9.-]+$/, hint: "a domain name" }) }),
  name: obj({ strategy, part: oneOf(["first", "last", "full"] as const) }),
  phone: obj({ strategy, format: str({ pattern: /#/, hint: "use # for each generated digit" }) }),
  address: obj({ strategy, part: oneOf(["full", "street", "city", "postcode"] as const) }),
  hash: obj({ strategy, length: int({ min: 8, max: 64 }), prefix: str() }),
  mask: obj({ strategy, keep_first: int({ min: 0 }), keep_last: int({ min: 0 }), char: str({ nonEmpty: true }) }),
  redact: obj({ strategy, text: str() }),
  null: obj({ strategy }),
  fixed: obj({ strategy, value: required(str()) }),
  date_shift: obj({ strategy, days: int({ min: 1, max: 36500 }) }),
  ip: obj({ strategy }),
  credit_card: obj({ strategy, keep_last: int({ min: 0, max: 4 }) }),
  uuid: obj({ strategy }),
  faker: obj({
    strategy,
    method: required(str({ pattern: /^[a-zA-Z]+(\.[a-zA-Z]+)+$/, hint: "a Faker method such as person.jobTitle" })),
    args: anyList,
  }),
  keep: obj({ strategy }),
};

const NESTED_KEYS = ["each", "fields", "json", "hstore"] as const;

/**
 * Validator for one rule: `strategy`, `{ strategy, ...options }`, or rules for the parts of
 * a value: `each: true` (every array element, with the rest of the rule), `fields:` (composite
 * fields by name), `json:` (JSON paths), `hstore:` (keys, `"*"` for all). `originOf` names the
 * line of a key path, so every rule, nested ones included, says where it came from.
 */
function ruleSpec(originOf: (path: string) => string): Spec<Rule> {
  const spec: Spec<Rule> = (v, path, ctx) => {
    const origin = originOf(path);
    const input = typeof v === "string" ? { strategy: v } : v;
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      ctx.problems.push({
        path,
        message: "expected a strategy name or a mapping with strategy:, each:, fields:, json: or hstore:",
        line: ctx.lineOf(path),
      });
      return undefined;
    }
    const map = input as Record<string, unknown>;
    if ("each" in map) {
      if (map.each !== true) {
        ctx.problems.push({ path: `${path}.each`, message: "expected true", line: ctx.lineOf(`${path}.each`) });
        return undefined;
      }
      const { each: _, ...rest } = map;
      const inner = spec(rest, path, ctx);
      return inner && { strategy: "nested", options: {}, origin, nested: { each: inner } };
    }
    const parts = NESTED_KEYS.filter((k) => k in map);
    if (parts.length > 0) {
      const [kind] = parts;
      const others = Object.keys(map).filter((k) => k !== kind);
      if (others.length > 0) {
        ctx.problems.push({
          path: `${path}.${others[0]}`,
          message: `${kind}: takes no other key here`,
          line: ctx.lineOf(`${path}.${others[0]}`),
        });
        return undefined;
      }
      const inner = record(spec)(map[kind], `${path}.${kind}`, ctx);
      if (!inner) return undefined;
      const entries = Object.entries(inner);
      if (kind === "fields") return { strategy: "nested", options: {}, origin, nested: { fields: new Map(entries) } };
      if (kind === "hstore") return { strategy: "nested", options: {}, origin, nested: { hstore: new Map(entries) } };
      const json: { path: string; steps: JsonStep[]; rule: Rule }[] = [];
      let ok = true;
      for (const [p, rule] of entries) {
        try {
          json.push({ path: p, steps: parseJsonPath(p), rule });
        } catch (e) {
          const at = `${path}.json.${p}`;
          ctx.problems.push({ path: at, message: `invalid JSON path: ${(e as Error).message}`, line: ctx.lineOf(at) });
          ok = false;
        }
      }
      return ok ? { strategy: "nested", options: {}, origin, nested: { json } } : undefined;
    }
    // A bare strategy name has no `.strategy` key to point at: report it on the rule itself.
    const name = oneOf(STRATEGY_NAMES)(map.strategy, typeof v === "string" ? path : `${path}.strategy`, ctx);
    if (name === undefined) return undefined;
    const options = OPTIONS[name](input, path, ctx);
    if (options === undefined) return undefined;
    const { strategy: _, ...rest } = options;
    return {
      strategy: name,
      options: Object.fromEntries(Object.entries(rest).filter(([, x]) => x !== undefined)),
      origin,
    };
  };
  return spec;
}

const profileSpec = (originOf: (path: string) => string) =>
  obj({
    version: int({ min: 1, max: 1 }),
    key_env: str({ pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: "an environment variable name" }),
    rules: record(ruleSpec(originOf)),
    columns: anything, // rejected below with a hint: an easy slip for `rules`
  });

/**
 * Normalise `table.column` to `public.table.column`; undefined when the shape is wrong. A part
 * holding a dot, a quote or a space is double-quoted (`"my.schema".users.email`, see names.ts).
 */
export function qualifyColumn(key: string): string | undefined {
  const parts = splitKey(key);
  if (!parts || parts.length < 2 || parts.length > 3) return undefined;
  const [schema, table, column] = parts.length === 2 ? ["public", ...parts] : parts;
  return `${tableKey(schema, table)}.${keyPart(column)}`;
}

/**
 * Parse and validate a profile. Throws one ConfigError (exit 5) listing every problem as
 * `file:line: key: message`.
 */
export function parseProfile(text: string, shownPath: string): AnonymizationProfile {
  const { doc, lines } = parseYamlWithLines(text, shownPath, "PROFILE_INVALID");
  const problems: Problem[] = [];
  // A missing key has no line of its own: point at the nearest enclosing key.
  const lineOf = (p: string): number | undefined => {
    for (let q = p; q; q = q.slice(0, Math.max(0, q.lastIndexOf(".")))) {
      if (lines.has(q)) return lines.get(q);
    }
    return undefined;
  };
  const ctx = { problems, lineOf };
  const raw = yamlValue(doc, shownPath) ?? {};
  const originOf = (p: string) => {
    const line = lineOf(p);
    return `${shownPath}${line ? `:${line}` : ""}`;
  };
  const parsed = profileSpec(originOf)(raw, "", ctx);
  if (raw && typeof raw === "object" && "columns" in raw) {
    problems.push({ path: "columns", message: 'unknown key (did you mean "rules"?)', line: lines.get("columns") });
  }
  const rules = new Map<string, Rule>();
  const rawRules = (raw as { rules?: unknown }).rules;
  if (rawRules && typeof rawRules === "object" && !Array.isArray(rawRules)) {
    for (const key of Object.keys(rawRules)) {
      const qualified = qualifyColumn(key);
      const line = lines.get(`rules.${key}`);
      if (!qualified) {
        problems.push({ path: `rules.${key}`, message: "expected schema.table.column or table.column", line });
      } else if (rules.has(qualified)) {
        problems.push({ path: `rules.${key}`, message: `${qualified} already has a rule`, line });
      } else if (parsed?.rules?.[key]) {
        rules.set(qualified, parsed.rules[key]);
      }
    }
  }
  if (problems.length > 0 || !parsed) {
    const rendered = problems.map((p) =>
      `${shownPath}${p.line ? `:${p.line}` : ""}: ${p.path || "(root)"}: ${p.message}`
    );
    throw new ConfigError(
      rendered.length === 1 ? rendered[0] : `${rendered.length} problems in ${shownPath}:\n  ${rendered.join("\n  ")}`,
      { file: shownPath, line: problems[0]?.line, problems: rendered, code: "PROFILE_INVALID" },
    );
  }
  return { file: shownPath, keyEnv: parsed.key_env ?? DEFAULT_KEY_ENV, rules };
}

/**
 * Read a profile file. A missing file is an empty profile unless `required` (an explicit
 * `--profile`), when it is a ConfigError.
 */
export async function loadProfile(path: string, shownPath: string, required: boolean): Promise<AnonymizationProfile> {
  const text = await readTextIfExists(path);
  if (text === undefined) {
    if (required) throw new ConfigError(`Anonymization profile not found: ${shownPath}`, { file: shownPath });
    return { keyEnv: DEFAULT_KEY_ENV, rules: new Map() };
  }
  return parseProfile(text, shownPath);
}

/**
 * Parse one `--anonymize table.column[:strategy]` flag. Without a strategy the column's
 * PII category picks one at plan time (`hash` when none fits).
 */
export function parseAnonymizeFlag(spec: string): { column: string; strategy?: StrategyName } {
  const colon = spec.indexOf(":");
  const key = colon < 0 ? spec : spec.slice(0, colon);
  const name = colon < 0 ? undefined : spec.slice(colon + 1);
  const column = qualifyColumn(key);
  if (!column) throw new ConfigError(`--anonymize ${spec}: expected table.column or schema.table.column`);
  if (name !== undefined && !(STRATEGY_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`--anonymize ${spec}: unknown strategy "${name}"`, {
      hint: `strategies: ${STRATEGY_NAMES.join(", ")}`,
    });
  }
  return { column, strategy: name as StrategyName | undefined };
}
