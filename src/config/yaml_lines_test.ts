import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
import { parseYamlWithLines, yamlValue } from "./yaml_lines.ts";

Deno.test("parseYamlWithLines keeps each key's line and the document's value", () => {
  const { doc, lines } = parseYamlWithLines("a: 1\nb:\n  c: x\n", "f.yaml");
  assertEquals([...lines], [["a", 1], ["b", 2], ["b.c", 3]]);
  assertEquals(yamlValue(doc, "f.yaml"), { a: 1, b: { c: "x" } });
});

Deno.test("parseYamlWithLines throws one ConfigError at the first syntax error, with the caller's code", () => {
  const e = assertThrows(() => parseYamlWithLines("a: 1\na: 2\n", "p.yaml", "PROFILE_INVALID"), ConfigError);
  assertEquals([e.code, e.file, e.line], ["PROFILE_INVALID", "p.yaml", 2]);
  assertEquals(e.message.startsWith("p.yaml:2:1: invalid YAML: "), true, e.message);
});
