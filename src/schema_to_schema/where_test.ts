import { assertEquals, assertStringIncludes } from "../../tests/_helpers/assert.ts";
import { whereProblem } from "./where.ts";

Deno.test("where: plain conditions pass, including ones with parentheses, subqueries and comments", async () => {
  for (
    const ok of [
      "deleted_at IS NULL",
      "(pk > 0) OR (pk < -10)",
      "id IN (SELECT id FROM keep)",
      "status = 'a) OR (true'",
      "true -- only active rows",
    ]
  ) {
    assertEquals(await whereProblem(ok), undefined, ok);
  }
});

Deno.test("where: text that closes its own parenthesis or adds a clause or statement is refused", async () => {
  assertStringIncludes((await whereProblem("pk > 0) OR (true"))!, 'syntax error at or near ")"');
  for (
    const bad of [
      "true UNION SELECT 2",
      "true ORDER BY 1",
      "true LIMIT 1",
      "true FOR UPDATE",
      "true GROUP BY 1",
      "true; DROP TABLE users",
    ]
  ) {
    assertStringIncludes((await whereProblem(bad))!, "exactly one SQL expression", bad);
  }
});
