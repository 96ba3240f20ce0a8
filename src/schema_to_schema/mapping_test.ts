import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
import { isColumnReference, parseMappingFile } from "./mapping.ts";

Deno.test("parseMappingFile reads targets, sources, column maps, where and keys", () => {
  const m = parseMappingFile(
    `tables:
  tb_user:
    source: legacy.users
    columns:
      pk_user: id
      name: "first || ' ' || last"
    where: "deleted_at IS NULL"
  app.tb_order_line:
    key: [order_id, line]
    strategy: fdw
`,
    "map.yaml",
  );
  assertEquals(m.tables.map((t) => [t.target, t.source, t.columns, t.where, t.key, t.strategy, t.line]), [
    [
      { schema: "public", name: "tb_user" },
      { schema: "legacy", name: "users" },
      [["pk_user", "id"], ["name", "first || ' ' || last"]],
      "deleted_at IS NULL",
      undefined,
      undefined,
      2,
    ],
    [
      { schema: "app", name: "tb_order_line" },
      { schema: "app", name: "tb_order_line" },
      undefined,
      undefined,
      ["order_id", "line"],
      "fdw",
      8,
    ],
  ]);
});

Deno.test("parseMappingFile reports every shape problem at once, with lines", () => {
  const e = assertThrows(
    () =>
      parseMappingFile(
        `tables:
  a:
    sourec: x
    columns: {}
  b:
    strategy: rsync
    key: "bad key"
`,
        "map.yaml",
      ),
    ConfigError,
  ) as ConfigError;
  assertEquals(e.problems, [
    'map.yaml:3: tables.a.sourec: unknown key (did you mean "source"?)',
    'map.yaml:6: tables.b.strategy: expected one of fdw, copy, got string "rsync"',
    'map.yaml:7: tables.b.key: invalid value "bad key": a column name',
  ]);
});

Deno.test("isColumnReference tells a column from an expression", () => {
  assertEquals(["id", " email ", "a.b", "lower(x)", "x::int", "1"].map(isColumnReference), [
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});
