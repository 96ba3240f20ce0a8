import { assertEquals } from "../tests/_helpers/assert.ts";
import { agree, count } from "./plural.ts";

Deno.test("count and agree pluralise by the number", () => {
  assertEquals(
    [count(0, "migration"), count(1, "migration"), count(2, "migration"), count(1200, "row")],
    ["0 migrations", "1 migration", "2 migrations", "1,200 rows"],
  );
  assertEquals([count(1, "entry", "entries"), count(2, "entry", "entries")], ["1 entry", "2 entries"]);
  assertEquals([agree(1, "looks", "look"), agree(2, "looks", "look")], ["looks", "look"]);
});
