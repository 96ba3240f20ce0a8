import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { findMetaCommands, findUnterminated, splitStatements } from "./sql_scan.ts";

const closed = [
  "CREATE TABLE t (id int);",
  "/* a */ SELECT 1; -- trailing /* not a comment",
  "/* outer /* nested */ still comment */ SELECT 1;",
  "SELECT 'it''s', E'a\\'b', \"we\"\"ird\";",
  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 /* in body */ $$;",
  "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN $$x'$$; END $body$;",
  "SELECT $1, a$b FROM t WHERE x = 'a -- b';",
  "-- only a comment without newline",
  "",
];

for (const sql of closed) {
  Deno.test(`findUnterminated: closed ${JSON.stringify(sql.slice(0, 40))}`, () => {
    assertEquals(findUnterminated(sql), null);
  });
}

const open: [string, ReturnType<typeof findUnterminated>][] = [
  ["SELECT 1;\n/* forgot", { kind: "block comment", line: 2, column: 1, opener: "/*" }],
  ["/* a /* b */ still open", { kind: "block comment", line: 1, column: 1, opener: "/*" }],
  ["INSERT INTO t VALUES ('abc);\n", { kind: "string", line: 1, column: 23, opener: "'" }],
  ["SELECT E'a\\'", { kind: "string", line: 1, column: 8, opener: "E'" }],
  ['SELECT "col', { kind: "quoted identifier", line: 1, column: 8, opener: '"' }],
  ["\n\nAS $fn$ BEGIN", { kind: "dollar-quoted string", line: 3, column: 4, opener: "$fn$" }],
];

for (const [sql, want] of open) {
  Deno.test(`findUnterminated: open ${want!.kind} in ${JSON.stringify(sql.slice(0, 30))}`, () => {
    assertEquals(findUnterminated(sql), want);
  });
}

Deno.test("splitStatements: top-level semicolons only, starts after comments and blanks", () => {
  const sql =
    "-- head\nCREATE TABLE a (x text DEFAULT ';');\n\n/* c; */ CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2";
  const parts = splitStatements(sql);
  assertEquals(parts.map((p) => p.text), [
    "CREATE TABLE a (x text DEFAULT ';')",
    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
    "SELECT 2",
  ]);
  assertEquals(parts.map((p) => sql.slice(p.start, p.start + 6)), ["CREATE", "CREATE", "SELECT"]);
  assertEquals(splitStatements("  ;\n-- only comments\n"), []);
});

Deno.test("findMetaCommands finds psql backslash lines outside strings, comments and bodies", () => {
  const sql =
    "\\restrict abc\nSELECT 'x\n\\not';\n-- \\comment\nCREATE FUNCTION f() RETURNS int AS $$\n\\q\n$$ LANGUAGE sql;\n  \\connect other\nSELECT E'\\\\';\n\\unrestrict abc";
  const found = findMetaCommands(sql).map((m) => [m.command, sql.slice(m.start, m.end)]);
  assertEquals(found, [["restrict", "\\restrict abc"], ["connect", "\\connect other"], [
    "unrestrict",
    "\\unrestrict abc",
  ]]);
  assertEquals(findMetaCommands("SELECT 1;"), []);
});
