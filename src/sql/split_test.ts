import { assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { SchemaError } from "../errors.ts";
import { nonTransactionalReason, transactionControl } from "./classify.ts";
import { splitStatements } from "./split.ts";

Deno.test("statements keep their text and start position, also after non-ASCII text", async () => {
  const sql = "-- résumé café\nCREATE TABLE t (a int);\n/* ü */ INSERT INTO t VALUES (1); SELECT 'é;x';\n";
  const s = await splitStatements(sql, "f.sql");
  assertEquals(s.map((x) => [x.type, x.line, x.column, x.text]), [
    ["CreateStmt", 2, 1, "CREATE TABLE t (a int)"],
    ["InsertStmt", 3, 9, "INSERT INTO t VALUES (1)"],
    ["SelectStmt", 3, 35, "SELECT 'é;x'"],
  ]);
  assertEquals(sql.slice(s[2].offset, s[2].offset + s[2].text.length), "SELECT 'é;x'");
});

Deno.test("after an emoji, line:col counts characters and offset stays a string index", async () => {
  const sql = "-- é😀\nSELECT 1; /* 😀 */ SELECT 'ü'";
  const s = await splitStatements(sql, "f.sql");
  assertEquals(s.map((x) => [x.line, x.column, x.offset, x.text]), [[2, 1, 7, "SELECT 1"], [2, 19, 26, "SELECT 'ü'"]]);
  assertEquals(sql.slice(s[1].offset, s[1].offset + s[1].text.length), "SELECT 'ü'");
});

Deno.test("syntax errors name file:line:column, counting characters", async () => {
  await assertRejects(
    () => splitStatements("-- résumé café\nCREATE TABL x", "m.sql"),
    SchemaError,
    "Cannot parse m.sql:2:8:",
  );
});

Deno.test("statements that cannot run in a transaction are recognised from the parse tree", async () => {
  const s = await splitStatements(
    "CREATE INDEX CONCURRENTLY i ON t (a); CREATE INDEX j ON t (a); VACUUM t; ANALYZE t; BEGIN; COMMIT;" +
      "ALTER TYPE e ADD VALUE 'x'; REINDEX TABLE CONCURRENTLY t; DROP INDEX CONCURRENTLY i; CREATE DATABASE d;",
    "f.sql",
  );
  assertEquals(s.map(nonTransactionalReason), [
    "CREATE INDEX CONCURRENTLY",
    undefined,
    "VACUUM",
    undefined,
    undefined,
    undefined,
    "ALTER TYPE … ADD VALUE",
    "REINDEX CONCURRENTLY",
    "DROP INDEX CONCURRENTLY",
    "CREATE DATABASE",
  ]);
  assertEquals(s.map(transactionControl).filter(Boolean), ["begin", "commit"]);
});

Deno.test("ASCII scripts (split without re-encoding) give what the byte-offset path gives", async () => {
  const ascii = "  -- lead\n\nCREATE TABLE t (a int);\n/* c */ INSERT INTO t VALUES (1);   SELECT 1\n;\n" +
    "CREATE VIEW v AS SELECT 'x;y' AS s; -- tail\nSELECT 2;";
  const fast = await splitStatements(ascii, "f.sql");
  // A non-ASCII comment at the end sends the same statements through the general path.
  const general = await splitStatements(`${ascii}\n-- é`, "f.sql");
  assertEquals(fast, general);
  assertEquals(fast.map((x) => [x.line, x.column, x.text]), [
    [3, 1, "CREATE TABLE t (a int)"],
    [4, 9, "INSERT INTO t VALUES (1)"],
    [4, 37, "SELECT 1"],
    [6, 1, "CREATE VIEW v AS SELECT 'x;y' AS s"],
    [7, 1, "SELECT 2"],
  ]);
});

Deno.test("a large script is parsed in pieces that end at real statement ends, with the same result", async () => {
  // Semicolons inside strings, comments, dollar quotes and BEGIN ATOMIC bodies, around piece limits.
  const tricky = [
    "SELECT 'a;\nb';",
    "-- note;\nSELECT 2;",
    "/* x;\n y */ SELECT 3;",
    "DO $$ BEGIN PERFORM 1;\nPERFORM 2; END $$;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nSELECT 2; END;",
    'SELECT 1 AS "q;\nx";',
    "SELECT 'é';",
  ];
  const parts: string[] = [];
  for (let i = 0, size = 0; size < 400_000; i++) {
    parts.push(`INSERT INTO t (a, b) VALUES (${i}, 'v${i}');`, tricky[i % tricky.length]);
    size += parts.at(-2)!.length + parts.at(-1)!.length + 2;
  }
  const sql = parts.join("\n");
  const s = await splitStatements(sql, "big.sql");
  assertEquals(s.length, parts.length);
  // Statement text starts at the first token (leading comments are not part of it).
  const expected = parts.map((p) => p.replace(/^(--[^\n]*\n|\/\*[^]*?\*\/ )/, ""));
  const wrong = s.findIndex((x, i) => `${x.text};` !== expected[i]);
  assertEquals(wrong < 0 ? null : [s[wrong].text, expected[wrong]], null);
  // Positions stay file positions across pieces.
  const i = s.length - 1;
  assertEquals(sql.slice(s[i].offset, s[i].offset + s[i].text.length), s[i].text);
  assertEquals(s[i].line, sql.split("\n").length - parts[i].split("\n").length + 1);
  // Rows of INSERT … VALUES are not kept; the target table is.
  assertEquals((s[0].node.relation as { relname: string }).relname, "t");
  await assertRejects(
    () => splitStatements(`${sql}\nSELECT 1;\nSELEC 2;`, "big.sql"),
    SchemaError,
    `Cannot parse big.sql:${sql.split("\n").length + 2}:1:`,
  );
});
