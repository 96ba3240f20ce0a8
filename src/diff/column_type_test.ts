import { assertEquals } from "../../tests/_helpers/assert.ts";
import { parseFormatType, typeChangeCost } from "./column_type.ts";

const CASES: [string, string, ReturnType<typeof typeChangeCost>][] = [
  ["character varying(10)", "character varying(20)", "none"],
  ["character varying(20)", "character varying(10)", "narrowing"],
  ["character varying(20)", "text", "none"],
  ["text", "character varying(20)", "narrowing"],
  ["numeric(10,2)", "numeric(12,2)", "none"],
  ["numeric(12,2)", "numeric(12,1)", "narrowing"],
  ["integer", "bigint", "rewrite"],
  ["bigint", "integer", "narrowing"],
  ["integer", "numeric", "rewrite"],
  ["integer", "text", "rewrite"],
  ["text", "integer", "narrowing"],
  ["timestamp without time zone", "timestamp with time zone", "rewrite"],
  ["integer[]", "bigint[]", "rewrite"],
];

for (const [from, to, cost] of CASES) {
  Deno.test(`typeChangeCost: ${from} → ${to} is ${cost}`, () => assertEquals(typeChangeCost(from, to), cost));
}

Deno.test("parseFormatType: names, modifiers in the middle, arrays", () => {
  assertEquals(parseFormatType("character varying(20)[]"), { name: "varchar", mods: [20], isArray: true });
  assertEquals(parseFormatType("timestamp(3) with time zone"), { name: "timestamptz", mods: [3], isArray: false });
  assertEquals(parseFormatType("numeric(12,2)"), { name: "numeric", mods: [12, 2], isArray: false });
});
