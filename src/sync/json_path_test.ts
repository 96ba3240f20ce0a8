import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { formatJsonPos, jsonPathCovers, parseJsonPath } from "./json_path.ts";

Deno.test("parseJsonPath reads the supported subset and rejects the rest", () => {
  assertEquals(parseJsonPath("$"), []);
  assertEquals(parseJsonPath("$.email"), [{ key: "email" }]);
  assertEquals(parseJsonPath('$.a["b c"][*][2].*'), [
    { key: "a" },
    { key: "b c" },
    { anyIndex: true },
    { index: 2 },
    { anyKey: true },
  ]);
  assertEquals(parseJsonPath("$..email"), [{ descend: true }, { key: "email" }]);
  for (const bad of ["email", "$.", "$[x]", "$..", "$.a[", "$.a b"]) throws(() => parseJsonPath(bad), bad);
});

Deno.test("jsonPathCovers matches a position or its parents; sampled [*] needs [*]", () => {
  const cases: [string, (string | number)[], boolean][] = [
    ["$.email", ["email"], true],
    ["$.email", ["mail"], false],
    ["$.contact", ["contact", "email"], true],
    ["$.phones[*]", ["phones", 3], true],
    ["$.phones[*]", ["phones", "[*]"], true],
    ["$.phones[0]", ["phones", 0], true],
    ["$.phones[0]", ["phones", "[*]"], false],
    ["$..email", ["a", "[*]", "email"], true],
    ["$..email", ["email"], true],
    ["$.*.email", ["home", "email"], true],
    ["$.*.email", ["email"], false],
    ["$", ["anything"], true],
  ];
  for (const [path, pos, expected] of cases) {
    assertEquals(jsonPathCovers(parseJsonPath(path), pos), expected, `${path} ${pos.join("/")}`);
  }
  assertEquals(formatJsonPos(["phones", "[*]", "a b", 2]), '$.phones[*]["a b"][2]');
});
