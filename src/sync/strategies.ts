/**
 * Anonymization strategies. Each turns one non-NULL value into its replacement,
 * deterministically from the keyed HMAC of the value, so equal inputs give equal outputs in
 * every table and every run, and nobody without the key can reverse them.
 *
 * @module
 */
import { digestHex, type HmacSha256 } from "./hmac_sha256.ts";
import { CITIES, FIRST_NAMES, LAST_NAMES, STREET_SUFFIXES, STREETS } from "./_words.ts";

/** Every strategy name. */
export const STRATEGY_NAMES = [
  "email",
  "name",
  "phone",
  "address",
  "hash",
  "mask",
  "redact",
  "null",
  "fixed",
  "date_shift",
  "ip",
  "credit_card",
  "uuid",
  "faker",
  "keep",
] as const;

/** A strategy name. */
export type StrategyName = typeof STRATEGY_NAMES[number];

/** One masking rule for one column: a strategy and its options. */
export interface Rule {
  strategy: StrategyName;
  options: Record<string, unknown>;
  /** Where the rule came from, for messages (`db/anonymization.yaml:7`, `--anonymize`). */
  origin: string;
}

/** How a column's type constrains what a strategy may write. */
export type ColumnCategory = "text" | "date" | "timestamp" | "timestamptz" | "inet" | "cidr" | "uuid" | "other";

/** The facts about a target column a strategy needs. */
export interface MaskedColumn {
  /** `schema.table.column`, for messages. */
  qualified: string;
  /** `format_type()` of the column, e.g. `character varying(40)`. */
  type: string;
  category: ColumnCategory;
  /** Character limit of varchar(n)/char(n). */
  maxLength?: number;
  notNull: boolean;
  /** Part of a unique index or constraint. */
  unique: boolean;
}

/** Rewrites one non-NULL value. `clean` marks outputs that never need COPY escaping. */
export type Masker = ((value: string) => string | null) & { clean?: boolean };

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
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = `${column.qualified} (${rule.origin})`;
  const accepts = ACCEPTS[rule.strategy];
  if (accepts !== "any" && !accepts.includes(column.category)) {
    problems.push(`${where}: strategy ${rule.strategy} cannot write a ${column.type} column`);
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

/** Whether a rule needs the HMAC key (every strategy whose output depends on the value). */
export function needsKey(rule: Rule): boolean {
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
  const o = rule.options;
  const fit = column.maxLength === undefined ? (s: string) => s : (s: string) => truncate(s, column.maxLength!);
  const digest = (v: string) => {
    if (!mac) throw new Error(`strategy ${rule.strategy} needs the anonymization key`);
    return mac.digestString(v);
  };
  const unique = column.unique;
  switch (rule.strategy) {
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

function pick(list: readonly string[], word: number): string {
  return list[(word >>> 0) % list.length];
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max).join("");
}

/** Replace each `#` with a digit drawn from the digest (9 digits per 32-bit word). */
function fillDigits(format: string, d: Int32Array): string {
  let out = "";
  let word = 0;
  let acc = d[0] >>> 0;
  let used = 0;
  let from = 0;
  for (let i = format.indexOf("#"); i >= 0; i = format.indexOf("#", i + 1)) {
    if (used === 9) {
      word = (word + 1) & 7;
      acc = d[word] >>> 0;
      used = 0;
    }
    out += format.slice(from, i) + DIGITS[acc % 10];
    acc = (acc / 10) >>> 0;
    used++;
    from = i + 1;
  }
  return out + format.slice(from);
}

const DIGITS = "0123456789".split("");

function maskChars(keepFirst: number, keepLast: number, char: string): Masker {
  return (v) => {
    const chars = [...v];
    const n = chars.length;
    // Too short to keep anything without revealing it all.
    if (keepFirst + keepLast >= n) return char.repeat(n);
    return chars.slice(0, keepFirst).join("") + char.repeat(n - keepFirst - keepLast) +
      chars.slice(n - keepLast).join("");
  };
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})/;
const DAY_MS = 86_400_000;

/** Move the leading ISO date by 1..days days either way; the time and zone text stay. */
function shiftDate(days: number, digest: (v: string) => Int32Array): Masker {
  return (v) => {
    const m = DATE.exec(v);
    if (!m) return v === "infinity" || v === "-infinity" ? v : null;
    const n = ((digest(v)[0] >>> 0) % (2 * days)) - days;
    const shift = n >= 0 ? n + 1 : n;
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + shift * DAY_MS);
    const y = String(date.getUTCFullYear()).padStart(4, "0");
    const mo = String(date.getUTCMonth() + 1).padStart(2, "0");
    const dd = String(date.getUTCDate()).padStart(2, "0");
    return `${y}-${mo}-${dd}${v.slice(m[0].length)}`;
  };
}

/** A fake address of the same family, keeping any `/prefix`; host bits are zero for cidr. */
function maskIp(v: string, d: Int32Array, cidr: boolean): string {
  const slash = v.indexOf("/");
  const suffix = slash >= 0 ? v.slice(slash) : "";
  const bits = slash >= 0 ? Number(v.slice(slash + 1)) : -1;
  if (v.includes(":")) {
    const groups: number[] = [];
    for (let i = 0; i < 8; i++) groups.push((d[i >> 1] >>> (i & 1 ? 0 : 16)) & 0xffff);
    if (cidr && bits >= 0) {
      for (let i = 0; i < 8; i++) {
        const keep = Math.max(0, Math.min(16, bits - i * 16));
        groups[i] &= keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      }
    }
    return groups.map((g) => g.toString(16)).join(":") + suffix;
  }
  let n = d[0] >>> 0;
  if (cidr && bits >= 0) n = bits === 0 ? 0 : (n & (0xffffffff << (32 - bits))) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}${suffix}`;
}

/** A Luhn-valid card number with the input's length and separators; optionally its last digits. */
function fakeCard(v: string, d: Int32Array, keepLast: number): string {
  const source = v.replace(/\D/g, "");
  const len = source.length >= 12 && source.length <= 19 ? source.length : 16;
  const digits = fillDigits("4" + "#".repeat(len - 1), d).split("").map(Number);
  digits[0] = 4;
  const kept = source.length === len ? Math.min(keepLast, len - 2) : 0;
  for (let i = 0; i < kept; i++) digits[len - kept + i] = Number(source[source.length - kept + i]);
  // Fix the Luhn sum through the check digit, or, when the last digits are kept, the digit before them.
  const fixAt = kept > 0 ? len - kept - 1 : len - 1;
  digits[fixAt] = 0;
  const sum = luhnSum(digits);
  const weightDoubles = (len - 1 - fixAt) % 2 === 1;
  const need = (10 - (sum % 10)) % 10;
  digits[fixAt] = weightDoubles ? [0, 5, 1, 6, 2, 7, 3, 8, 4, 9][need] : need;
  if (source.length !== len) return digits.join("");
  let k = 0;
  return v.replace(/\d/g, () => String(digits[k++]));
}

/** The Luhn sum of a digit array (rightmost digit is the check digit). */
export function luhnSum(digits: readonly number[]): number {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let x = digits[i];
    if (double) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum;
}

function formatUuid(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}
