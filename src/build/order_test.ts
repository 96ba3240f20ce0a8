import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareSchemaPaths } from "./order.ts";

const cases: { name: string; input: string[]; want: string[] }[] = [
  {
    name: "numeric prefixes compare by value",
    input: ["10_x.sql", "2_x.sql", "1_x.sql", "100_x.sql"],
    want: ["1_x.sql", "2_x.sql", "10_x.sql", "100_x.sql"],
  },
  {
    name: "folders order by their numbers too",
    input: ["20_views/v.sql", "10_tables/b.sql", "00_common/ext.sql", "10_tables/a.sql", "9_types/t.sql"],
    want: ["00_common/ext.sql", "9_types/t.sql", "10_tables/a.sql", "10_tables/b.sql", "20_views/v.sql"],
  },
  {
    name: "each component compared separately (a folder before a sibling file of similar name)",
    input: ["a.sql", "a-b.sql", "a/b.sql", "10_t.sql", "10_t/z.sql"],
    want: ["10_t/z.sql", "10_t.sql", "a/b.sql", "a-b.sql", "a.sql"],
  },
  {
    name: "numbered names come before unnumbered ones",
    input: ["tables.sql", "01_ext.sql", "Z.sql"],
    want: ["01_ext.sql", "Z.sql", "tables.sql"],
  },
  {
    name: "equal numbers: fewer leading zeros first, then the rest",
    input: ["01_b.sql", "1_b.sql", "1_a.sql"],
    want: ["1_a.sql", "1_b.sql", "01_b.sql"],
  },
  {
    name: "deep paths and numbers longer than 2^53",
    input: ["db/schema/99999999999999999999_a.sql", "db/schema/3_a.sql", "db/schema/3/1.sql"],
    want: ["db/schema/3/1.sql", "db/schema/3_a.sql", "db/schema/99999999999999999999_a.sql"],
  },
];

for (const c of cases) {
  Deno.test(`compareSchemaPaths: ${c.name}`, () => {
    assertEquals([...c.input].sort(compareSchemaPaths), c.want);
    assertEquals([...c.input].reverse().sort(compareSchemaPaths), c.want);
  });
}
