import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { defaultRuleFor, detectPii, detectPiiValues } from "./pii.ts";

type Case = [
  column: string,
  category: Parameters<typeof detectPii>[1],
  table: string | undefined,
  kind: string | undefined,
];

Deno.test("detectPii recognises common PII column names and skips ordinary ones", () => {
  const cases: Case[] = [
    ["email", "text", undefined, "email"],
    ["contact_email", "text", undefined, "email"],
    ["email_verified", "other", undefined, undefined],
    ["phone_number", "text", undefined, "phone"],
    ["mobile", "text", undefined, "phone"],
    ["first_name", "text", undefined, "name"],
    ["last_name", "text", undefined, "name"],
    ["name", "text", undefined, "name"],
    ["username", "text", undefined, "name"],
    ["title", "text", undefined, undefined],
    ["body", "text", undefined, undefined],
    ["street_address", "text", undefined, "address"],
    ["city", "text", undefined, "address"],
    ["postal_code", "text", undefined, "address"],
    ["birth_date", "date", undefined, "birth_date"],
    ["date_of_birth", "date", undefined, "birth_date"],
    ["dob", "date", undefined, "birth_date"],
    ["last_login_ip", "text", undefined, "ip"],
    ["anything", "inet", undefined, "ip"],
    ["card_number", "text", undefined, "card"],
    ["ssn", "text", undefined, "national_id"],
    ["iban", "text", undefined, "bank_account"],
    ["created_at", "timestamptz", undefined, undefined],
    ["pk_user", "other", undefined, undefined],
    ["name_id", "other", undefined, undefined],
  ];
  for (const [column, category, table, kind] of cases) assertEquals(detectPii(column, category, table), kind, column);
});

Deno.test("detectPii on pagila-like tables: misses found, false alarms gone", () => {
  const cases: Case[] = [
    // Missed before.
    ["address2", "text", "address", "address"],
    ["address_line2", "text", "tb_customer", "address"],
    ["password", "text", "staff", "credential"],
    ["password_hash", "text", "tb_user", "credential"],
    ["api_key", "text", "tb_account", "credential"],
    ["picture", "other", "staff", "photo"],
    ["avatar", "text", "tb_user", "photo"],
    ["phones", "text", "tb_user", "phone"],
    ["emails", "text", "tb_user", "email"],
    // Still found.
    ["address", "text", "address", "address"],
    ["postal_code", "text", "address", "address"],
    ["phone", "text", "address", "phone"],
    ["city", "text", "tb_store", "address"],
    ["name", "text", "tb_user", "name"],
    ["name", "text", "customer", "name"],
    ["name", "text", "tb_employee", "name"],
    ["username", "text", "staff", "name"],
    // False alarms before.
    ["name", "text", "category", undefined],
    ["name", "text", "language", undefined],
    ["name", "text", "tb_product", undefined],
    ["city", "text", "city", undefined],
    ["city", "text", "tb_cities", undefined],
    ["postal_code", "text", "postal_code", undefined],
    ["email_confirmed_at", "timestamptz", "tb_user", undefined],
    ["password_changed_at", "timestamptz", "tb_user", undefined],
    ["has_picture", "other", "tb_user", undefined],
    ["email_count", "text", "tb_stats", undefined],
    // Ordinary columns stay ordinary.
    ["district", "text", "address", undefined],
    ["country", "text", "country", undefined],
    ["title", "text", "film", undefined],
    ["description", "text", "film", undefined],
    ["last_update", "timestamptz", "city", undefined],
    ["active", "other", "staff", undefined],
    ["topic", "text", "tb_post", undefined],
  ];
  for (const [column, category, table, kind] of cases) {
    assertEquals(detectPii(column, category, table), kind, `${table}.${column}`);
  }
});

Deno.test("detectPiiValues judges sampled values by content when at least half match", () => {
  const cases: [string[], string | undefined][] = [
    [["a@corp.test", "b@corp.test"], "email"],
    [["a@corp.test", "not one", "c@x.io"], "email"],
    [["+33 6 12 34 56 78", "(555) 010-0199"], "phone"],
    [["10.0.0.1", "192.168.1.20"], "ip"],
    [["gold", "silver"], undefined],
    [["12345678", "2024-01-01"], undefined],
    [["", " "], undefined],
    [[], undefined],
  ];
  for (const [values, kind] of cases) assertEquals(detectPiiValues(values), kind, values.join(","));
});

Deno.test("defaultRuleFor picks a strategy that fits the column", () => {
  assertEquals(defaultRuleFor("email", "text", true).strategy, "email");
  assertEquals(defaultRuleFor("first_name", "text", false), { strategy: "name", options: { part: "first" } });
  assertEquals(defaultRuleFor("bio", "text", false).strategy, "hash");
  assertEquals(defaultRuleFor("born", "date", false).strategy, "date_shift");
  assertEquals(defaultRuleFor("score", "other", false).strategy, "null");
  assertEquals(defaultRuleFor("password", "text", true).strategy, "hash");
  assertEquals(defaultRuleFor("picture", "other", false).strategy, "null");
  const each = defaultRuleFor("emails", "other", false, {
    kind: "array",
    type: "text[]",
    element: { kind: "scalar", type: "text", category: "text" },
  });
  assertEquals(each.nested, { each: { strategy: "email", options: {}, origin: "--anonymize" } });
});
