import { assertEquals } from "../../tests/_helpers/assert.ts";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.ts";

Deno.test("quoteIdent quotes only when needed", () => {
  assertEquals([quoteIdent("tb_user"), quoteIdent("User"), quoteIdent("select"), quoteIdent('a"b')], [
    "tb_user",
    '"User"',
    '"select"',
    '"a""b"',
  ]);
  assertEquals(quoteQualified("app", "order"), 'app."order"');
});

Deno.test("quoteLiteral doubles quotes, and backslashes go into an E'' literal", () => {
  assertEquals(quoteLiteral("it's"), "'it''s'");
  assertEquals(quoteLiteral("C:\\dir"), "E'C:\\\\dir'");
  assertEquals(quoteLiteral("a\\'b"), "E'a\\\\''b'");
});
