/**
 * Columns that look like personal data, judged by name and type. `sync check` lists those
 * without a rule, and `sync` refuses to copy them unmasked.
 *
 * @module
 */
import type { ColumnCategory, Rule, StrategyName, TypeShape } from "./rule.ts";

/** Kinds of personal data recognised by column name, type or sampled value. */
export type PiiKind =
  | "email"
  | "phone"
  | "name"
  | "address"
  | "birth_date"
  | "ip"
  | "card"
  | "national_id"
  | "bank_account"
  | "geo"
  | "credential"
  | "photo";

const PATTERNS: [PiiKind, RegExp][] = [
  ["email", /(^|_)e?_?mail(_?address)?($|_)|email/],
  ["phone", /(^|_)(phone|mobile|cell|tel|telephone|fax|msisdn)s?($|_|_?numbers?)/],
  ["birth_date", /(^|_)(birth|dob|birthday|date_of_birth|birth_?date|born_on)($|_)/],
  ["card", /(^|_)(card|cc|credit_?card|pan)(_?(number|no|num))?($|_)/],
  ["national_id", /(^|_)(ssn|social_security|national_id|passport|tax_id|tin|nin|sin|driver_?licen[cs]e)($|_)/],
  ["bank_account", /(^|_)(iban|bic|account_?number|routing_?number|bank_account)($|_)/],
  ["ip", /(^|_)(ip|ip_?addr(ess)?|remote_?addr|client_?ip|last_?ip)($|_)/],
  [
    "address",
    /(^|_)(address(es)?\d*|street\d*|addr(_?line)?\d*|city|zip|zip_?code|post_?code|postal_?code)($|_)/,
  ],
  [
    "name",
    /(^|_)(name|first_?name|last_?name|middle_?name|full_?name|given_?name|family_?name|surname|display_?name|user_?name|nickname|maiden_?name)$/,
  ],
  ["geo", /(^|_)(lat|latitude|lng|lon|longitude|geo_?location)($|_)/],
  [
    "credential",
    /(^|_)(password|passwd|pwd|pass_?hash|secret|api_?key|access_?key|private_?key|token|otp|totp|mfa_?secret)s?($|_)/,
  ],
  ["photo", /(^|_)(photo|picture|pic|avatar|portrait|selfie|headshot|signature|fingerprint)s?($|_)/],
];

// Flags and timestamps about personal data are not personal data (email_verified, password_changed_at).
const ABOUT =
  /^(is|has|can|should|allow|needs?)_|_(count|verified|enabled|confirmed|changed|updated|sent|at|expires?)$/;

// A bare `name` is a person's only in a table of people; `category.name` or `film.name` is a label.
const PEOPLE = new RegExp(
  "(user|customer|client|person|people|member|employee|staff|contact|author|patient|student|teacher|" +
    "account|profile|owner|subscriber|applicant|candidate|guest|driver|actor|artist|passenger|recipient|" +
    "sender|buyer|seller|tenant|visitor|lead|admin|manager|worker|volunteer|donor|doctor|nurse|player|" +
    "respondent|signup|beneficiar|holder|party|parties|emergency)",
);

/** A table's name without the usual prefixes and a plural s: `tb_cities` → `citie`, `city` → `city`. */
function bare(table: string): string {
  return table.toLowerCase().replace(/^(tb|t|tbl|dim|ref|lk|lkp)_/, "").replace(
    /(ies|s)$/,
    (m) => (m === "ies" ? "y" : ""),
  );
}

/**
 * The PII kind a column looks like, or undefined. Text PII needs a text column; a bare `name`
 * counts only in a table of people; the label of a lookup table (`city.city`) is not personal.
 *
 * @example
 * ```ts
 * detectPii("contact_email", "text");          // "email"
 * detectPii("name", "text", "category");       // undefined
 * detectPii("city", "text", "city");           // undefined
 * ```
 */
export function detectPii(column: string, category: ColumnCategory, table?: string): PiiKind | undefined {
  const name = column.toLowerCase();
  if (category === "inet" || category === "cidr") return "ip";
  const about = ABOUT.test(name);
  for (const [kind, re] of PATTERNS) {
    if (!re.test(name)) continue;
    if (kind === "birth_date") {
      if (category === "date" || category === "timestamp" || category === "text") return kind;
      continue;
    }
    if (about) return undefined;
    // Non-text columns named like text PII are ids or flags (email_verified boolean, name_id int).
    const anyType = kind === "geo" || kind === "card" || kind === "national_id" || kind === "photo" ||
      kind === "bank_account";
    if (category !== "text" && !(anyType && (category === "other" || kind === "photo"))) continue;
    if (kind === "name" && name === "name" && table !== undefined && !PEOPLE.test(table.toLowerCase())) {
      return undefined;
    }
    if (kind === "address" && table !== undefined && /^(city|zip|zip_?code|post_?code|postal_?code)$/.test(name)) {
      if (bare(table) === name || bare(table) === name.replace(/_?code$/, "")) return undefined;
    }
    return kind;
  }
  return undefined;
}

const EMAIL_VALUE = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;
const PHONE_VALUE = /^\+?[\d\s().\/-]{7,24}$/;
const IPV4_VALUE = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;

/** The PII kind sampled values look like (at least half of them), by content alone. */
export function detectPiiValues(values: readonly string[]): PiiKind | undefined {
  const seen = values.filter((v) => v.trim() !== "");
  if (seen.length === 0) return undefined;
  const most = (test: (v: string) => boolean) => seen.filter(test).length * 2 >= seen.length;
  if (most((v) => EMAIL_VALUE.test(v.trim()))) return "email";
  if (most((v) => IPV4_VALUE.test(v.trim()))) return "ip";
  const digits = (v: string) => (v.match(/\d/g) ?? []).length;
  // Dates and times have separators and digits too: never a phone.
  const phone = (v: string) =>
    PHONE_VALUE.test(v) && digits(v) >= 7 && /^\+|[\s().-]/.test(v) && !/^\d{4}-\d{2}-\d{2}|^\d+\.\d+$/.test(v);
  if (most((v) => phone(v.trim()))) return "phone";
  return undefined;
}

/** The strategy `--anonymize table.column` uses when no strategy is named. */
export function defaultRuleFor(
  column: string,
  category: ColumnCategory,
  notNull: boolean,
  shape?: TypeShape,
): Omit<Rule, "origin"> {
  // An array of plain values: the element's strategy on every element.
  if (shape?.kind === "array" && shape.element.kind === "scalar") {
    const each = defaultRuleFor(column, shape.element.category, false);
    return { strategy: "nested", options: {}, nested: { each: { ...each, origin: "--anonymize" } } };
  }
  // json, hstore, composites: no guess at their parts; NULL, or a problem on a NOT NULL column.
  if (shape) return { strategy: "null", options: {} };
  const kind = detectPii(column, category);
  const lower = column.toLowerCase();
  const byKind: Partial<Record<PiiKind, StrategyName>> = {
    email: "email",
    phone: "phone",
    name: "name",
    address: "address",
    birth_date: "date_shift",
    ip: "ip",
    card: "credit_card",
    credential: "hash",
  };
  const strategy = kind ? byKind[kind] : undefined;
  if (strategy === "name") {
    const part = /first|given/.test(lower) ? "first" : /last|family|surname/.test(lower) ? "last" : "full";
    return { strategy, options: { part } };
  }
  if (strategy === "address") {
    const part = /city/.test(lower) ? "city" : /zip|post/.test(lower) ? "postcode" : "full";
    return { strategy, options: { part } };
  }
  if (strategy && (category === "text" || strategy === "date_shift" || strategy === "ip")) {
    return { strategy, options: {} };
  }
  // A photo or signature: gone when the column allows it, else an empty value of its type.
  if (kind === "photo") {
    return notNull ? { strategy: "fixed", options: { value: "" } } : { strategy: "null", options: {} };
  }
  if (category === "text") return { strategy: "hash", options: {} };
  if (category === "date" || category === "timestamp" || category === "timestamptz") {
    return { strategy: "date_shift", options: {} };
  }
  if (category === "uuid") return { strategy: "uuid", options: {} };
  if (category === "inet" || category === "cidr") return { strategy: "ip", options: {} };
  return notNull ? { strategy: "keep", options: {} } : { strategy: "null", options: {} };
}
