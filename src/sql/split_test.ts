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
