import { assertEquals } from "../../tests/_helpers/assert.ts";
import { packTransaction } from "./_messages.ts";

Deno.test("packTransaction: BEGIN alone, messages of bounded size, COMMIT with the last statements", () => {
  const statements = ["SELECT 1", "SELECT '😀'", "SELECT 3 -- end", "SELECT 4"];
  const packed = packTransaction(statements, 30);
  assertEquals(packed.messages, [
    "BEGIN",
    "SELECT 1\n;\nSELECT '😀'",
    "SELECT 3 -- end\n;\nSELECT 4\n;\nCOMMIT",
  ]);
  assertEquals(packed.locate(1, 14), { statement: 1, position: 3 });
  assertEquals(packed.locate(2, 19), { statement: 3, position: 1 });
  assertEquals(packed.locate(2, 16), undefined, "the separator is in no statement");
  assertEquals(packed.locate(0, 1), undefined, "BEGIN is no statement");
  assertEquals(packTransaction([]).messages, ["BEGIN", "COMMIT"]);
  assertEquals(packTransaction(statements).messages.length, 2, "small transactions stay one message after BEGIN");
});
