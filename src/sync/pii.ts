/**
 * Columns that look like personal data, judged by name and type. `sync check` lists those
 * without a rule, and `sync` refuses to copy them unmasked.
 *
 * @module
 */
import type { ColumnCategory, Rule, StrategyName } from "./strategies.ts";

/** Kinds of personal data recognised by column name or type. */
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
  | "geo";

const PATTERNS: [PiiKind, RegExp][] = [
  ["email", /(^|_)e?_?mail(_?address)?($|_)|email/],
  ["phone", /(^|_)(phone|mobile|cell|tel|telephone|fax|msisdn)($|_|_?number)/],
  ["birth_date", /(^|_)(birth|dob|birthday|date_of_birth|birth_?date|born_on)($|_)/],
  ["card", /(^|_)(card|cc|credit_?card|pan)(_?(number|no|num))?($|_)/],
  ["national_id", /(^|_)(ssn|social_security|national_id|passport|tax_id|tin|nin|sin|driver_?licen[cs]e)($|_)/],
  ["bank_account", /(^|_)(iban|bic|account_?number|routing_?number|bank_account)($|_)/],
  ["ip", /(^|_)(ip|ip_?addr(ess)?|remote_?addr|client_?ip|last_?ip)($|_)/],
  ["address", /(^|_)(address|street|addr(_?line)?\d*|city|zip|zip_?code|post_?code|postal_?code)($|_)/],
  [
    "name",
    /(^|_)(name|first_?name|last_?name|middle_?name|full_?name|given_?name|family_?name|surname|display_?name|user_?name|nickname|maiden_?name)$/,
  ],
  ["geo", /(^|_)(lat|latitude|lng|lon|longitude|geo_?location)($|_)/],
];

/**
 * The PII kind a column looks like, or undefined. `name` alone counts only on text columns.
 *
 * @example
 * ```ts
 * detectPii("contact_email", "text"); // "email"
 * detectPii("title", "text");         // undefined
 * ```
 */
export function detectPii(column: string, category: ColumnCategory): PiiKind | undefined {
  const name = column.toLowerCase();
  if (category === "inet" || category === "cidr") return "ip";
  for (const [kind, re] of PATTERNS) {
    if (!re.test(name)) continue;
    // Non-text columns named like text PII are ids or flags (email_verified boolean, name_id int).
    if (category === "other" && kind !== "geo" && kind !== "card" && kind !== "national_id") continue;
    if (kind === "birth_date" && category !== "date" && category !== "timestamp" && category !== "text") continue;
    return kind;
  }
  return undefined;
}

/** The strategy `--anonymize table.column` uses when no strategy is named. */
export function defaultRuleFor(column: string, category: ColumnCategory, notNull: boolean): Omit<Rule, "origin"> {
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
  if (category === "text") return { strategy: "hash", options: {} };
  if (category === "date" || category === "timestamp" || category === "timestamptz") {
    return { strategy: "date_shift", options: {} };
  }
  if (category === "uuid") return { strategy: "uuid", options: {} };
  if (category === "inet" || category === "cidr") return { strategy: "ip", options: {} };
  return notNull ? { strategy: "keep", options: {} } : { strategy: "null", options: {} };
}
