/**
 * Anonymization strategies. Each turns one non-NULL value into its replacement,
 * deterministically from the keyed HMAC of the value, so equal inputs give equal outputs in
 * every table and every run, and nobody without the key can reverse them.
 *
 * @module
 */
import { digestHex, type HmacSha256 } from "./hmac_sha256.ts";
import { CITIES, FIRST_NAMES, LAST_NAMES, STREET_SUFFIXES, STREETS } from "./_words.ts";
import { compileByteMask } from "./_byte_masks.ts";
import type { Masker } from "./_mask_types.ts";
import { fakeCard, fillDigits, formatUuid, maskChars, maskIp, pick, shiftDate, truncate } from "./_formats.ts";
import { checkNestedRule, compileNested, nestedRules } from "./nested_mask.ts";
import type { ColumnCategory, MaskedColumn, Rule, StrategyName } from "./rule.ts";

export { luhnSum } from "./_formats.ts";

export { type ColumnCategory, type MaskedColumn, type Rule, STRATEGY_NAMES, type StrategyName } from "./rule.ts";

/**
 * Rewrites one non-NULL value. `clean` marks outputs that never need COPY escaping; `bytes`
 * is the same rewrite on the raw bytes of an escape-free COPY field, when there is one.
 */
export type { Masker };

const SPECIAL = /[\\\t\n\r]/;

function clean(m: (value: string) => string | null): Masker {
  return Object.assign(m, { clean: true });
}

const ACCEPTS: Record<StrategyName, readonly ColumnCategory[] | "any"> = {
  email: ["text"],
  name: ["text"],
  phone: ["text"],
  address: ["text"],
  hash: ["text"],
  mask: ["text"],
  redact: ["text"],
  null: "any",
  fixed: "any",
  date_shift: ["date", "timestamp", "timestamptz", "text"],
  ip: ["inet", "cidr", "text"],
  credit_card: ["text"],
  uuid: ["uuid", "text"],
  faker: ["text"],
  keep: "any",
};

/**
 * Problems (the rule cannot apply) and warnings (it applies, with a caveat) for a rule on a
 * column. Pure: used by `sync --dry-run` and before any data moves.
 */
export function checkRule(rule: Rule, column: MaskedColumn): { problems: string[]; warnings: string[] } {
  if (rule.strategy === "nested") return checkNestedRule(rule, column, checkRule);
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = `${column.qualified} (${rule.origin})`;
  const accepts = ACCEPTS[rule.strategy];
  if (accepts !== "any" && !accepts.includes(column.category)) {
    problems.push(`${where}: strategy ${rule.strategy} cannot write a ${column.type} column${partsHint(column)}`);
  }
  if (rule.strategy === "null" && column.notNull) {
    problems.push(`${where}: strategy null on a NOT NULL column`);
  }
  if (column.unique && (rule.strategy === "redact" || rule.strategy === "fixed")) {
    problems.push(`${where}: strategy ${rule.strategy} writes one value into a unique column`);
  }
  if (column.unique && (rule.strategy === "mask" || rule.strategy === "faker" || rule.strategy === "date_shift")) {
    warnings.push(`${where}: strategy ${rule.strategy} may produce duplicates in a unique column`);
  }
  if (column.unique && rule.strategy === "hash" && Number(rule.options.length ?? 32) < 16) {
    warnings.push(`${where}: hash length below 16 may collide in a unique column`);
  }
  if (column.unique && rule.strategy === "phone" && typeof rule.options.format === "string") {
    const digits = (rule.options.format.match(/#/g) ?? []).length;
    if (digits < 12) warnings.push(`${where}: a phone format with ${digits} # may collide in a unique column`);
  }
  if (column.maxLength !== undefined && column.unique && ["email", "name", "address", "hash"].includes(rule.strategy)) {
    if (column.maxLength < 24) warnings.push(`${where}: ${column.type} truncates values, which may collide`);
  }
  return { problems, warnings };
}

/** How to reach the parts of a column a whole-value strategy cannot write. */
function partsHint(column: MaskedColumn): string {
  switch (column.shape?.kind) {
    case "array":
      return "; to mask its elements, add each: true";
    case "composite":
      return "; to mask its fields, use fields: { name: strategy }";
    case "json":
      return '; to mask its values, use json: { "$.key": strategy }';
    case "hstore":
      return "; to mask its values, use hstore: { key: strategy }";
  }
  return "";
}

/** Whether a rule needs the HMAC key (every strategy whose output depends on the value). */
export function needsKey(rule: Rule): boolean {
  if (rule.strategy === "nested") return nestedRules(rule).some(needsKey);
  return !["keep", "null", "fixed", "redact", "mask"].includes(rule.strategy);
}

// Faker is large; it is imported only when a faker rule is compiled.
type FakerModule = typeof import("@faker-js/faker");
let fakerModule: Promise<FakerModule> | undefined;

/** Resolve `person.firstName` on the faker instance; undefined when it is not a function. */
export async function fakerMethod(path: string): Promise<((...args: unknown[]) => unknown) | undefined> {
  fakerModule ??= import("@faker-js/faker");
  const { faker } = await fakerModule;
  let target: unknown = faker;
  let owner: unknown = faker;
  for (const part of path.split(".")) {
    owner = target;
    target = target !== null && typeof target === "object" ? (target as Record<string, unknown>)[part] : undefined;
  }
  return typeof target === "function" ? (target as (...a: unknown[]) => unknown).bind(owner) : undefined;
}

/**
 * Build the masker for a rule on a column. `mac` is shared by every masker of a run: each
 * masker reads the digest before the next call overwrites it.
 */
export async function compileRule(rule: Rule, column: MaskedColumn, mac: HmacSha256 | undefined): Promise<Masker> {
  if (rule.strategy === "nested") return await compileNested(rule, column, (r, c) => compileRule(r, c, mac));
  const inner = await compileStringRule(rule, rule.strategy, column, mac);
  // An empty string holds nothing personal: it stays empty (the byte forms never see one).
  const masker: Masker = Object.assign((v: string) => v === "" ? "" : inner(v), { clean: inner.clean });
  const bytes = compileByteMask(rule, column, mac);
  return bytes ? Object.assign(masker, { bytes }) : masker;
}

async function compileStringRule(
  rule: Rule,
  strategy: StrategyName,
  column: MaskedColumn,
  mac: HmacSha256 | undefined,
): Promise<Masker> {
  const o = rule.options;
  const fit = column.maxLength === undefined ? (s: string) => s : (s: string) => truncate(s, column.maxLength!);
  const digest = (v: string) => {
    if (!mac) throw new Error(`strategy ${rule.strategy} needs the anonymization key`);
    return mac.digestString(v);
  };
  const unique = column.unique;
  switch (strategy) {
    case "keep":
      return (v) => v;
    case "null":
      return clean(() => null);
    case "fixed": {
      const value = o.value === null || o.value === undefined ? null : String(o.value);
      return () => value;
    }
    case "redact": {
      const text = fit(String(o.text ?? "[REDACTED]"));
      return () => text;
    }
    case "mask":
      return maskChars(Number(o.keep_first ?? 1), Number(o.keep_last ?? 0), String(o.char ?? "*"));
    case "email": {
      const domain = String(o.domain ?? "example.com");
      return clean((v) => fit(`user_${digestHex(digest(v), 16)}@${domain}`));
    }
    case "name": {
      const part = String(o.part ?? "full");
      return clean((v) => {
        const d = digest(v);
        const first = pick(FIRST_NAMES, d[0]);
        const last = pick(LAST_NAMES, d[1]);
        let s = part === "first" ? first : part === "last" ? last : `${first} ${last}`;
        if (unique) s += ` ${digestHex(d.subarray(2), 12)}`;
        return fit(s);
      });
    }
    case "phone": {
      const format = String(o.format ?? (unique ? "+1 ### ### #### ####" : "+1-555-###-####"));
      const m: Masker = (v) => fit(fillDigits(format, digest(v)));
      return SPECIAL.test(format) ? m : clean(m);
    }
    case "address": {
      const part = String(o.part ?? "full");
      return clean((v) => {
        const d = digest(v);
        const street = `${1 + ((d[0] >>> 0) % 9999)} ${pick(STREETS, d[1])} ${pick(STREET_SUFFIXES, d[2])}`;
        const city = pick(CITIES, d[3]);
        const postcode = String((d[4] >>> 0) % 100000).padStart(5, "0");
        let s = part === "street"
          ? street
          : part === "city"
          ? city
          : part === "postcode"
          ? postcode
          : `${street}, ${postcode} ${city}`;
        if (unique) s += ` #${digestHex(d.subarray(5), 12)}`;
        return fit(s);
      });
    }
    case "hash": {
      const length = Number(o.length ?? 32);
      const prefix = String(o.prefix ?? "");
      const m: Masker = (v) => fit(prefix + digestHex(digest(v), length));
      return SPECIAL.test(prefix) ? m : clean(m);
    }
    case "date_shift":
      return shiftDate(Number(o.days ?? 30), digest);
    case "ip":
      return (v) => maskIp(v, digest(v), column.category === "cidr");
    case "credit_card": {
      const keepLast = Number(o.keep_last ?? 0);
      return (v) => fit(fakeCard(v, digest(v), keepLast));
    }
    case "uuid":
      return clean((v) => formatUuid(digestHex(digest(v), 32)));
    case "faker": {
      const method = String(o.method);
      const fn = await fakerMethod(method);
      if (!fn) throw new Error(`faker has no method ${method}`);
      const args = Array.isArray(o.args) ? o.args : [];
      const { faker } = await fakerModule!;
      return (v) => {
        faker.seed(digest(v)[0] >>> 0);
        const out = fn(...args);
        return out === null || out === undefined ? null : fit(String(out));
      };
    }
  }
}
