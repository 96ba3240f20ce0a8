import { assertEquals } from "../../tests/_helpers/assert.ts";
import { codePoints, SourceText } from "./source_text.ts";

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

Deno.test("byte offsets (libpg_query) and character offsets (server, parse errors) land on the same line:col past 'é' and an emoji", () => {
  // "-- é😀\n" is 10 bytes, 6 characters, 7 UTF-16 units; then "SELECT 'ü', x" on line 2.
  const text = "-- é😀\nSELECT 'ü', x";
  const s = new SourceText(text);
  const table: [what: string, byteOffset: number, charOffset: number, expected: { line: number; column: number }][] = [
    ["start of text", 0, 0, { line: 1, column: 1 }],
    ["the é", 3, 3, { line: 1, column: 4 }],
    ["the emoji", 5, 4, { line: 1, column: 5 }],
    ["the newline", 9, 5, { line: 1, column: 6 }],
    ["SELECT", 10, 6, { line: 2, column: 1 }],
    ["the ü", 18, 14, { line: 2, column: 9 }],
    ["x, after ü", 10 + 13, 6 + 12, { line: 2, column: 13 }],
    ["end of text", 24, 19, { line: 2, column: 14 }],
    ["past the end", 99, 99, { line: 2, column: 14 }],
  ];
  for (const [what, byteOffset, charOffset, expected] of table) {
    assertEquals(s.positionAt(byteOffset), expected, `byte ${what}`);
    assertEquals(s.positionAtChar(charOffset), expected, `char ${what}`);
  }
  // A string index (UTF-16) becomes a character offset through codePoints.
  const x = text.indexOf("x");
  assertEquals(x, 7 + 12);
  assertEquals(s.positionAtChar(codePoints(text.slice(0, x))), { line: 2, column: 13 });
  assertEquals(s.slice(10, 16), "SELECT");
  assertEquals(s.byteLength, 24);
});

Deno.test("codePoints counts characters as the server does (a surrogate pair once)", () => {
  for (const s of ["", "abc", "é😀x", "😀😀", "a😀", "日本", "a😀é"]) assertEquals(codePoints(s), [...s].length, s);
});
