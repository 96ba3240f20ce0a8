import { assertEquals } from "../../tests/_helpers/assert.ts";
import { SourceText } from "./source_text.ts";

Deno.test("ASCII text (kept without a byte copy) and non-ASCII text map offsets the same way", () => {
  const ascii = new SourceText("-- a\nSELECT x;\n\nSELECT y");
  assertEquals([ascii.byteLength, ascii.positionAt(8), ascii.positionAt(17), ascii.slice(5, 13)], [
    24,
    { line: 2, column: 4 },
    { line: 4, column: 2 },
    "SELECT x",
  ]);
  assertEquals(ascii.bytes, new TextEncoder().encode(ascii.text));
  const utf8 = new SourceText("-- é\nSELECT x;\n\nSELECT ü");
  assertEquals([utf8.byteLength, utf8.positionAt(9), utf8.positionAt(18), utf8.slice(6, 14)], [
    26,
    { line: 2, column: 4 },
    { line: 4, column: 2 },
    "SELECT x",
  ]);
  assertEquals(utf8.slice(24, 26), "ü");
  assertEquals(utf8.positionAtChar(8), { line: 2, column: 4 });
});
