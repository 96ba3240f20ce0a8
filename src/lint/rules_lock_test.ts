import { assertEquals } from "../../tests/_helpers/assert.ts";
import type { ColumnType } from "./ast.ts";
import { binaryCoercible } from "./rules_lock.ts";

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
