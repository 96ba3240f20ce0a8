import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { splitKey, sqlName, tableKey } from "./names.ts";

Deno.test("table keys quote the parts that hold a dot, a quote or a space, and split back", () => {
  const cases: [string, string, string][] = [
    ["public", "users", "public.users"],
    ["my.schema", "users", '"my.schema".users'],
    ["s", 'we"ird.t', 's."we""ird.t"'],
    ["Mixed Case", "T", '"Mixed Case".T'],
  ];
  for (const [schema, name, key] of cases) {
    assertEquals(tableKey(schema, name), key);
    assertEquals(splitKey(key), [schema, name], key);
  }
  assertEquals(splitKey('"my.schema".users.email'), ["my.schema", "users", "email"]);
  assertEquals(sqlName('"my.schema".users'), '"my.schema".users');
  for (const bad of ['"open.users', "a..b", "a.", '"a"b.c', 'a"b.c']) assertEquals(splitKey(bad), undefined, bad);
});
