import { assertEquals } from "../../tests/_helpers/assert.ts";
import type { TablePlan } from "./plan.ts";
import { keyAfter, keyAtOrBefore, upsertAction } from "./sql.ts";

function plan(keys: [string, string, string][]): TablePlan {
  return {
    target: { schema: "public", name: "t" },
    source: { schema: "public", name: "s" },
    columns: [
      ...keys.map(([t, , type]) => ({ target: t, targetType: type, sourceSql: t, sourceType: type })),
      { target: "v", targetType: "text", sourceSql: "v", sourceType: "text" },
    ],
    key: keys.map(([target, source, sourceType]) => ({ target, source, sourceType })),
    strategy: "copy",
    sourceRelkind: "r",
  };
}

Deno.test("keyAfter/keyAtOrBefore: pushdown-friendly keyset predicates with typed literals", () => {
  const one = plan([["pk", "id", "integer"]]);
  assertEquals(keyAfter(one, "source", null), "true");
  assertEquals(keyAfter(one, "source", ["5"]), "id > '5'::integer");
  assertEquals(keyAfter(one, "target", ["5"], "t"), "t.pk > '5'::integer");
  assertEquals(keyAtOrBefore(one, "source", ["9"]), "id <= '9'::integer");
  const two = plan([["a", "a", "bigint"], ["b", "b", "text"]]);
  assertEquals(
    keyAfter(two, "source", ["1", "it's"]),
    "a >= '1'::bigint AND (a > '1'::bigint OR a = '1'::bigint AND b > 'it''s'::text)",
  );
  assertEquals(
    keyAtOrBefore(two, "source", ["1", "x"]),
    "a <= '1'::bigint AND (a < '1'::bigint OR a = '1'::bigint AND b < 'x'::text OR a = '1'::bigint AND b = 'x'::text)",
  );
});

Deno.test("upsertAction updates every non-key column, or does nothing when all are keys", () => {
  assertEquals(upsertAction(plan([["pk", "id", "integer"]])), "DO UPDATE SET v = EXCLUDED.v");
  const allKeys = plan([["pk", "id", "integer"]]);
  allKeys.columns = allKeys.columns.slice(0, 1);
  assertEquals(upsertAction(allKeys), "DO NOTHING");
});
