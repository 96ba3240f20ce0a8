import { assertNotIncludes, assertRejects, assertStringIncludes } from "../../tests/_helpers/assert.ts";
import type { Queryable } from "../db/database.ts";
import { ConfigError } from "../errors.ts";
import { parseMappingFile } from "./mapping.ts";
import { planTables } from "./plan.ts";

// A catalog with no tables: every selected table is reported missing, which names the selection.
const empty: Queryable = { query: () => Promise.resolve([]), exec: () => Promise.resolve() };
const mapping = parseMappingFile("tables:\n  app.users: {}\n  users: {}\n", "map.yaml");
const plan = (only: string) => planTables(empty, empty, mapping, { strategy: "copy", tables: [only] });

Deno.test("--tables reads names as written: a quoted part selects the same table as a bare one", async () => {
  for (const only of ["app.users", '"app".users', '"app"."users"']) {
    const e = await assertRejects(() => plan(only), ConfigError);
    assertStringIncludes(e.message, "target table app.users does not exist", only);
    assertNotIncludes(e.message, "public.users", only);
  }
  const e = await assertRejects(() => plan("users"), ConfigError);
  assertStringIncludes(e.message, "target table app.users does not exist", "an unqualified name: every schema");
  assertStringIncludes(e.message, "target table public.users does not exist", "an unqualified name: every schema");
});
