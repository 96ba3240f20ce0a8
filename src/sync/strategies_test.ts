import { deepStrictEqual as assertEquals, notStrictEqual, ok } from "node:assert/strict";
import { checkRule, compileRule, luhnSum, type MaskedColumn, type Rule, type StrategyName } from "./strategies.ts";
import { HmacSha256 } from "./hmac_sha256.ts";

const mac = new HmacSha256(new TextEncoder().encode("unit-test-key-0123456789"));
const other = new HmacSha256(new TextEncoder().encode("another-key-0123456789"));
const text: MaskedColumn = { qualified: "public.t.c", type: "text", category: "text", notNull: false, unique: false };

function rule(strategy: StrategyName, options: Record<string, unknown> = {}): Rule {
  return { strategy, options, origin: "test" };
}

async function mask(r: Rule, value: string, column: MaskedColumn = text, key = mac): Promise<string | null> {
  return (await compileRule(r, column, key))(value);
}

Deno.test("keyed strategies are deterministic per key and differ across keys", async () => {
  for (const s of ["email", "name", "phone", "address", "hash", "uuid", "credit_card"] as const) {
    const a = await mask(rule(s), "alice@example.com");
    assertEquals(await mask(rule(s), "alice@example.com"), a, s);
    notStrictEqual(await mask(rule(s), "alice@example.com", text, other), a, s);
    notStrictEqual(await mask(rule(s), "bob@example.com"), a, s);
  }
});

Deno.test("each strategy writes the expected shape", async () => {
  ok(/^user_[0-9a-f]{16}@example\.com$/.test((await mask(rule("email"), "a@b.c"))!));
  ok(/^user_[0-9a-f]{16}@corp\.test$/.test((await mask(rule("email", { domain: "corp.test" }), "a@b.c"))!));
  ok(/^[A-Z][a-z]+ [A-Z][a-z]+$/.test((await mask(rule("name"), "Alice Martin"))!));
  ok(/^[A-Z][a-z]+$/.test((await mask(rule("name", { part: "first" }), "Alice"))!));
  ok(/^\+1-555-\d{3}-\d{4}$/.test((await mask(rule("phone"), "+33 6 12 34 56 78"))!));
  ok(/^\d\d-\d\d$/.test((await mask(rule("phone", { format: "##-##" }), "x"))!));
  ok(/^\d+ [A-Z][a-z]+ [A-Z][a-z]+, \d{5} [A-Z][a-z]+$/.test((await mask(rule("address"), "1 Main St"))!));
  ok(/^\d{5}$/.test((await mask(rule("address", { part: "postcode" }), "75001"))!));
  ok(/^h_[0-9a-f]{12}$/.test((await mask(rule("hash", { length: 12, prefix: "h_" }), "x"))!));
  assertEquals(await mask(rule("mask", { keep_first: 2, keep_last: 3 }), "secret-value"), "se*******lue");
  assertEquals(await mask(rule("mask", { keep_first: 2, keep_last: 3 }), "abc"), "***");
  assertEquals(await mask(rule("redact"), "anything"), "[REDACTED]");
  assertEquals(await mask(rule("redact", { text: "x" }), "anything"), "x");
  assertEquals(await mask(rule("null"), "anything"), null);
  assertEquals(await mask(rule("fixed", { value: "42" }), "anything"), "42");
  assertEquals(await mask(rule("keep"), "as is"), "as is");
  ok(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test((await mask(rule("uuid"), "x"))!));
  const job = await mask(rule("faker", { method: "person.jobTitle" }), "x");
  ok(job && job.length > 0);
  assertEquals(await mask(rule("faker", { method: "person.jobTitle" }), "x"), job);
});

Deno.test("date_shift moves the date 1..days days and keeps the time", async () => {
  const shifted = (await mask(rule("date_shift", { days: 10 }), "2024-03-01 12:34:56+00", {
    ...text,
    category: "timestamptz",
  }))!;
  const m = /^(\d{4}-\d{2}-\d{2}) 12:34:56\+00$/.exec(shifted);
  ok(m, shifted);
  const days = Math.abs(Date.parse(m[1]) - Date.parse("2024-03-01")) / 86_400_000;
  ok(days >= 1 && days <= 10, String(days));
  assertEquals(await mask(rule("date_shift"), "infinity"), "infinity");
});

Deno.test("ip keeps the family and the prefix length; cidr clears host bits", async () => {
  ok(/^\d+\.\d+\.\d+\.\d+$/.test((await mask(rule("ip"), "192.168.1.20"))!));
  ok(/^\d+\.\d+\.\d+\.\d+\/24$/.test((await mask(rule("ip"), "10.1.2.3/24", { ...text, category: "inet" }))!));
  const cidr = (await mask(rule("ip"), "10.1.2.0/24", { ...text, category: "cidr" }))!;
  ok(/\.0\/24$/.test(cidr), cidr);
  ok(/^[0-9a-f]+(:[0-9a-f]+){7}$/.test((await mask(rule("ip"), "2001:db8::1"))!));
});

Deno.test("credit_card is Luhn-valid, keeps the layout, and can keep the last digits", async () => {
  const digits = (s: string) => s.replace(/\D/g, "").split("").map(Number);
  for (const input of ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]) {
    const out = (await mask(rule("credit_card"), input))!;
    assertEquals(out.replace(/\d/g, "9"), input.replace(/\d/g, "9"));
    assertEquals(luhnSum(digits(out)) % 10, 0, out);
    const kept = (await mask(rule("credit_card", { keep_last: 4 }), input))!;
    assertEquals(kept.slice(-4), input.slice(-4));
    assertEquals(luhnSum(digits(kept)) % 10, 0, kept);
  }
});

Deno.test("outputs fit the column length, and unique columns get wide values", async () => {
  const short: MaskedColumn = { ...text, type: "character varying(10)", maxLength: 10 };
  assertEquals((await mask(rule("email"), "a@b.c", short))!.length, 10);
  const unique = { ...text, unique: true };
  ok(/^[A-Z][a-z]+ [A-Z][a-z]+ [0-9a-f]{12}$/.test((await mask(rule("name"), "Alice", unique))!));
  ok(((await mask(rule("phone"), "1", unique))!.match(/\d/g) ?? []).length >= 15);
  const outs = new Set<string>();
  for (let i = 0; i < 20000; i++) outs.add((await mask(rule("phone"), `p${i}`, unique))!);
  assertEquals(outs.size, 20000);
});

Deno.test("checkRule rejects rules the column cannot take and warns about weak uniqueness", () => {
  const date: MaskedColumn = { ...text, type: "date", category: "date" };
  assertEquals(checkRule(rule("email"), date).problems.length, 1);
  assertEquals(checkRule(rule("date_shift"), date).problems, []);
  assertEquals(checkRule(rule("null"), { ...text, notNull: true }).problems.length, 1);
  assertEquals(checkRule(rule("redact"), { ...text, unique: true }).problems.length, 1);
  assertEquals(checkRule(rule("fixed", { value: "x" }), { ...text, unique: true }).problems.length, 1);
  assertEquals(checkRule(rule("mask"), { ...text, unique: true }).warnings.length, 1);
  assertEquals(checkRule(rule("hash", { length: 8 }), { ...text, unique: true }).warnings.length, 1);
  assertEquals(checkRule(rule("keep"), date), { problems: [], warnings: [] });
});

Deno.test("maskers promise escape-free output only when their options allow it", async () => {
  assertEquals((await compileRule(rule("email"), text, mac)).clean, true);
  assertEquals((await compileRule(rule("phone", { format: "#\t#" }), text, mac)).clean, undefined);
  assertEquals((await compileRule(rule("hash", { prefix: "a\\b" }), text, mac)).clean, undefined);
  assertEquals((await compileRule(rule("mask"), text, mac)).clean, undefined);
});

// Every strategy that can apply to a text column, with the options that make it work.
const TEXT_STRATEGIES: [StrategyName, Record<string, unknown>][] = [
  ["email", {}],
  ["name", {}],
  ["name", { part: "first" }],
  ["phone", {}],
  ["address", {}],
  ["address", { part: "city" }],
  ["hash", {}],
  ["hash", { length: 8, prefix: "h_" }],
  ["mask", { keep_first: 1 }],
  ["redact", {}],
  ["credit_card", {}],
  ["faker", { method: "person.jobTitle" }],
  ["keep", {}],
];

Deno.test("an empty string stays empty under every strategy, on unique and length-limited columns too", async () => {
  const columns: MaskedColumn[] = [
    { ...text, unique: true },
    { ...text, type: "varchar(4)", notNull: true, maxLength: 4 },
  ];
  const all: [StrategyName, Record<string, unknown>][] = [
    ...TEXT_STRATEGIES.filter(([s]) => s !== "faker"),
    ["null", {}],
    ["fixed", { value: "x" }],
    ["date_shift", {}],
    ["ip", {}],
    ["uuid", {}],
  ];
  for (const column of columns) {
    for (const [s, o] of all) assertEquals(await mask(rule(s, o), "", column), "", `${s} on ${column.type}`);
  }
});

Deno.test("an empty string stays empty under every text strategy (it holds nothing personal)", async () => {
  for (const [s, o] of TEXT_STRATEGIES) {
    assertEquals(await mask(rule(s, o), ""), "", `${s} ${JSON.stringify(o)}`);
    // A single space is a value: it is masked like any other (redact and keep aside).
    if (s !== "keep" && s !== "mask") notStrictEqual(await mask(rule(s, o), " "), " ", s);
  }
});
