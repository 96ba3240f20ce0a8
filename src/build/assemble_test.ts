import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { assembleSchema, locateInSchema, readHeaderHash } from "./assemble.ts";

const FILES = [
  { relativePath: "db/schema/1_a.sql", content: "CREATE TABLE a ();\n" },
  { relativePath: "db/schema/2_b.sql", content: "-- é😀\nCREATE TABLE b (\n  x int\n);" },
  { relativePath: "db/schema/3_c.sql", content: "SELECT 1;\n" },
];

Deno.test("assembleSchema: header, one marker per file, a newline added where missing", () => {
  const built = assembleSchema(FILES, "local");
  assertEquals(readHeaderHash(built.text), built.hash);
  ok(built.text.startsWith("-- Confiture schema build\n-- Environment: local\n-- Files: 3\n"));
  ok(built.text.includes("  x int\n);\n\n-- File: db/schema/3_c.sql\nSELECT 1;\n"));
  assertEquals(built.segments.map((s) => s.relativePath), FILES.map((f) => f.relativePath));
});

Deno.test("locateInSchema: every character of every file maps back to its own line and column", () => {
  const built = assembleSchema(FILES, "local");
  const sources = new Map(FILES.map((f) => [f.relativePath, f.content]));
  // Walk the script by code point, as PostgreSQL counts positions.
  const chars = [...built.text];
  const seen: string[] = [];
  for (const f of FILES) {
    const lines = f.content.split("\n");
    lines.forEach((text, li) => {
      [...text].forEach((ch, ci) => {
        const seg = built.segments.find((s) => s.relativePath === f.relativePath)!;
        const before = [...f.content].length -
          [...f.content.slice(lines.slice(0, li).join("\n").length + (li ? 1 : 0))].length;
        const position = seg.start + before + ci + 1;
        assertEquals(chars[position - 1], ch);
        assertEquals(locateInSchema(built, sources, position), { file: f.relativePath, line: li + 1, column: ci + 1 });
        seen.push(ch);
      });
    });
  }
  ok(seen.includes("😀"));
  // The header maps to no file.
  assertEquals(locateInSchema(built, sources, 1), undefined);
});
