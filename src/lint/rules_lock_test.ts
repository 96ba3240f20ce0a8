import { assertEquals } from "../../tests/_helpers/assert.ts";
import type { ColumnType } from "./ast.ts";
import { binaryCoercible } from "./rules_lock.ts";
import { SourceText } from "./source_text.ts";

const t = (name: string, mods: number[] = [], isArray = false): ColumnType => ({ name, mods, isArray });

Deno.test("binaryCoercible: widening and relabelling skip the rewrite; everything else rewrites", () => {
  const table: [ColumnType, ColumnType, boolean][] = [
    [t("varchar", [10]), t("varchar", [20]), true],
    [t("varchar", [20]), t("varchar", [10]), false],
    [t("varchar", [10]), t("varchar"), true],
    [t("varchar"), t("varchar", [10]), false],
    [t("varchar", [10]), t("text"), true],
    [t("text"), t("varchar"), true],
    [t("text"), t("varchar", [10]), false],
    [t("numeric", [10, 2]), t("numeric", [12, 2]), true],
    [t("numeric", [10, 2]), t("numeric", [12, 3]), false],
    [t("numeric", [10, 2]), t("numeric"), true],
    [t("int4"), t("int8"), false],
    [t("int4"), t("int4"), true],
    [t("cidr"), t("inet"), true],
    [t("timestamp"), t("timestamptz"), false],
    [t("int4", [], true), t("int8", [], true), false],
    [t("varchar", [5]), t("text", [], true), false],
  ];
  for (const [from, to, expected] of table) {
    assertEquals(binaryCoercible(from, to), expected, `${JSON.stringify(from)} → ${JSON.stringify(to)}`);
  }
});

Deno.test("SourceText maps UTF-8 byte offsets to line and character column", () => {
  const s = new SourceText("-- é😀\nSELECT 'ü', x");
  // "-- é😀\n" is 10 bytes (6 characters); x sits after "SELECT 'ü', " (13 bytes, 12 characters).
  assertEquals(s.positionAt(0), { line: 1, column: 1 });
  assertEquals(s.positionAt(10 + 13), { line: 2, column: 13 });
  assertEquals(s.positionAtChar(6 + 12), { line: 2, column: 13 });
  assertEquals(s.slice(10, 16), "SELECT");
});
