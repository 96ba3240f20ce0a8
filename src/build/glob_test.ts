import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compileGlob } from "./glob.ts";

const cases: [pattern: string, path: string, matches: boolean][] = [
  ["*.bak.sql", "a.bak.sql", true],
  ["*.bak.sql", "x/y/a.bak.sql", true],
  ["*.bak.sql", "a.sql", false],
  ["**/*_draft.sql", "10_tables/t_draft.sql", true],
  ["**/*_draft.sql", "t_draft.sql", true],
  ["drafts", "drafts/a.sql", true],
  ["drafts", "10_tables/drafts/a.sql", true],
  ["drafts", "drafts_old/a.sql", false],
  ["db/schema/99_scratch", "db/schema/99_scratch/x.sql", true],
  ["db/schema/99_scratch", "db/schema/10_tables/x.sql", false],
  ["db/schema/99_scratch/", "db/schema/99_scratch/deep/x.sql", true],
  ["**/temp/**", "temp/sub/x.sql", true],
  ["**/temp/**", "a/temp/x.sql", true],
  ["10_tables/*.sql", "10_tables/a.sql", true],
  ["10_tables/*.sql", "x/10_tables/a.sql", false],
  ["?_x.sql", "1_x.sql", true],
  ["?_x.sql", "10_x.sql", false],
  ["[0-4]*", "3_a.sql", true],
  ["[0-4]*", "5_a.sql", false],
  ["a.b", "aXb", false],
];

for (const [pattern, path, matches] of cases) {
  Deno.test(`compileGlob(${JSON.stringify(pattern)}) ${matches ? "matches" : "does not match"} ${path}`, () => {
    assertEquals(compileGlob(pattern)(path), matches);
  });
}
