import { assertEquals } from "../../tests/_helpers/assert.ts";
import {
  formatQualifiedName,
  parseQualifiedKey,
  parseQualifiedName,
  qualifiedKey,
  type QualifiedName,
  splitQualifiedName,
} from "./qualified_name.ts";

Deno.test("parseQualifiedName reads written names: quotes undone, dots inside quotes kept, the default schema", () => {
  const table: [text: string, expected: QualifiedName | undefined][] = [
    ["users", { schema: "public", name: "users" }],
    ["app.users", { schema: "app", name: "users" }],
    ['"my.schema".users', { schema: "my.schema", name: "users" }],
    ['"my.schema"."a""b"', { schema: "my.schema", name: 'a"b' }],
    ['app."x.y"', { schema: "app", name: "x.y" }],
    ['"a.b"', { schema: "public", name: "a.b" }],
    ['"Mixed Case".T', { schema: "Mixed Case", name: "T" }],
    ["Legacy.Users", { schema: "Legacy", name: "Users" }], // as written: no case folding
    ["a.b.c", undefined],
    ["", undefined],
    ["a.", undefined],
    [".a", undefined],
    ["a..b", undefined],
    ['"open.users', undefined],
    ['"a"b.c', undefined],
    ['a"b.c', undefined],
  ];
  for (const [text, expected] of table) assertEquals(parseQualifiedName(text, "public"), expected, text);
});

Deno.test("splitQualifiedName keeps every part, for column keys too", () => {
  assertEquals(splitQualifiedName('"my.schema".users.email'), ["my.schema", "users", "email"]);
  assertEquals(splitQualifiedName('s."we""ird.t"'), ["s", 'we"ird.t']);
  assertEquals(splitQualifiedName('""'), [""]);
});

Deno.test("formatQualifiedName quotes only the parts that need it, and parses back", () => {
  const table: [QualifiedName, string][] = [
    [{ schema: "public", name: "users" }, "public.users"],
    [{ schema: "app", name: "order" }, 'app."order"'],
    [{ schema: "my.schema", name: 'a"b' }, '"my.schema"."a""b"'],
    [{ schema: "Mixed Case", name: "T" }, '"Mixed Case"."T"'],
  ];
  for (const [n, sql] of table) {
    assertEquals(formatQualifiedName(n), sql);
    assertEquals(parseQualifiedName(sql, "public"), n, sql);
  }
});

Deno.test("catalog keys are unquoted schema.name; they split at the first dot", () => {
  const table: [key: string, QualifiedName][] = [
    ["public.users", { schema: "public", name: "users" }],
    ["My Schema.t", { schema: "My Schema", name: "t" }],
    ["app.x.y", { schema: "app", name: "x.y" }],
    ["orphan", { schema: "", name: "orphan" }],
  ];
  for (const [key, n] of table) {
    assertEquals(parseQualifiedKey(key), n, key);
    if (n.schema) assertEquals(qualifiedKey(n), key);
  }
});
