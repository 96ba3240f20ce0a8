import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatArray, formatHstore, formatRecord, parseArray, parseHstore, parseRecord } from "./nested_text.ts";

Deno.test("parseArray reads array_out text, formatArray writes it back the same", () => {
  const cases: [string, unknown][] = [
    ["{}", []],
    ["{a,b}", ["a", "b"]],
    ['{"",NULL,"NULL","a b","x,y","q\\"t","b\\\\s"}', ["", null, "NULL", "a b", "x,y", 'q"t', "b\\s"]],
    ["{{1,2},{3,NULL}}", [["1", "2"], ["3", null]]],
    ['{"(a,b)","(\\"c d\\",)"}', ["(a,b)", '("c d",)']],
    ["[0:1]={x,y}", ["x", "y"]],
  ];
  for (const [text, items] of cases) {
    const parsed = parseArray(text);
    assertEquals(parsed.items, items, text);
    assertEquals(formatArray(parsed), text, text);
  }
});

Deno.test("parseRecord reads record_out text, formatRecord writes it back the same", () => {
  const cases: [string, (string | null)[]][] = [
    ["(a,b)", ["a", "b"]],
    ['("",,x)', ["", null, "x"]],
    ['("a ""b"", c","x\\\\y")', ['a "b", c', "x\\y"]],
    ['("(1,2)",)', ["(1,2)", null]],
  ];
  for (const [text, fields] of cases) {
    assertEquals(parseRecord(text), fields, text);
    assertEquals(formatRecord(fields), text, text);
  }
});

Deno.test("parseHstore reads hstore_out text, formatHstore writes it back the same", () => {
  const cases: [string, [string, string | null][]][] = [
    ["", []],
    ['"a"=>"1", "b"=>NULL', [["a", "1"], ["b", null]]],
    ['"q\\"k"=>"v\\\\w", "e"=>""', [['q"k', "v\\w"], ["e", ""]]],
  ];
  for (const [text, pairs] of cases) {
    assertEquals(parseHstore(text), pairs, text);
    assertEquals(formatHstore(pairs), text, text);
  }
});
