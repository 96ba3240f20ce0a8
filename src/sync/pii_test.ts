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

Deno.test("detectPii over pagila's columns flags the personal ones and only those", () => {
  // Every text-ish or PII-named column of pagila's tables, with pagila's types: [table, column, category, kind].
  const pagila: [string, string, Parameters<typeof detectPii>[1], string | undefined][] = [
    ["actor", "first_name", "text", "name"],
    ["actor", "last_name", "text", "name"],
    ["actor", "last_update", "timestamptz", undefined],
    ["address", "address", "text", "address"],
    ["address", "address2", "text", "address"],
    ["address", "district", "text", undefined],
    ["address", "postal_code", "text", "address"],
    ["address", "phone", "text", "phone"],
    ["category", "name", "text", undefined],
    ["city", "city", "text", undefined],
    ["country", "country", "text", undefined],
    ["customer", "first_name", "text", "name"],
    ["customer", "last_name", "text", "name"],
    ["customer", "email", "text", "email"],
    ["customer", "activebool", "other", undefined],
    ["customer", "create_date", "date", undefined],
    ["film", "title", "text", undefined],
    ["film", "description", "text", undefined],
    ["film", "rating", "other", undefined],
    ["film", "special_features", "other", undefined],
    ["film", "fulltext", "other", undefined],
    ["inventory", "film_id", "other", undefined],
    ["language", "name", "text", undefined],
    ["payment", "amount", "other", undefined],
    ["payment", "payment_date", "timestamptz", undefined],
    ["rental", "rental_date", "timestamptz", undefined],
    ["rental", "return_date", "timestamptz", undefined],
    ["staff", "first_name", "text", "name"],
    ["staff", "last_name", "text", "name"],
    ["staff", "email", "text", "email"],
    ["staff", "username", "text", "name"],
    ["staff", "password", "text", "credential"],
    ["staff", "picture", "other", "photo"],
    ["staff", "active", "other", undefined],
    ["store", "manager_staff_id", "other", undefined],
  ];
  for (const [table, column, category, kind] of pagila) {
    assertEquals(detectPii(column, category, table), kind, `${table}.${column}`);
  }
  // Bare `name` in a table of people is a person's name; first/last/full names are, anywhere.
  for (const table of ["customer", "user", "staff", "person", "employee", "contact", "account", "member", "author"]) {
    assertEquals(detectPii("name", "text", table), "name", table);
  }
  for (const column of ["first_name", "last_name", "full_name"]) {
    assertEquals(detectPii(column, "text", "category"), "name", column);
  }
  assertEquals(detectPii("password_hash", "text", "staff"), "credential");
  assertEquals(detectPii("photo", "other", "staff"), "photo");
  assertEquals(detectPii("avatar", "text", "member"), "photo");
});
