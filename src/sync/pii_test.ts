import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { defaultRuleFor, detectPii } from "./pii.ts";

Deno.test("detectPii recognises common PII column names and skips ordinary ones", () => {
  const cases: [string, Parameters<typeof detectPii>[1], string | undefined][] = [
    ["email", "text", "email"],
    ["contact_email", "text", "email"],
    ["email_verified", "other", undefined],
    ["phone_number", "text", "phone"],
    ["mobile", "text", "phone"],
    ["first_name", "text", "name"],
    ["last_name", "text", "name"],
    ["name", "text", "name"],
    ["username", "text", "name"],
    ["title", "text", undefined],
    ["body", "text", undefined],
    ["street_address", "text", "address"],
    ["city", "text", "address"],
    ["postal_code", "text", "address"],
    ["birth_date", "date", "birth_date"],
    ["date_of_birth", "date", "birth_date"],
    ["dob", "date", "birth_date"],
    ["last_login_ip", "text", "ip"],
    ["anything", "inet", "ip"],
    ["card_number", "text", "card"],
    ["ssn", "text", "national_id"],
    ["iban", "text", "bank_account"],
    ["created_at", "timestamptz", undefined],
    ["pk_user", "other", undefined],
    ["name_id", "other", undefined],
  ];
  for (const [column, category, kind] of cases) assertEquals(detectPii(column, category), kind, column);
});

Deno.test("defaultRuleFor picks a strategy that fits the column", () => {
  assertEquals(defaultRuleFor("email", "text", true).strategy, "email");
  assertEquals(defaultRuleFor("first_name", "text", false), { strategy: "name", options: { part: "first" } });
  assertEquals(defaultRuleFor("bio", "text", false).strategy, "hash");
  assertEquals(defaultRuleFor("born", "date", false).strategy, "date_shift");
  assertEquals(defaultRuleFor("score", "other", false).strategy, "null");
});
