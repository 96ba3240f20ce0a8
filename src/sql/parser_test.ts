import { assert, assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { SchemaError } from "../errors.ts";
import { lintMigrations } from "../lint/lint_migrations.ts";
import { BIG_STATEMENT_CHARS } from "./parser.ts";
import { splitStatements } from "./split.ts";

// Rows whose strings and comments hold what a careless cut would take for a row boundary or
// the statement's end: `), (`, `;`, a `--` comment with commas, non-ASCII text.
const ROWS = 60_000;
const row = (i: number) =>
  i % 997 === 5
    ? `(${i}, 'a), (b; é')`
    : i % 1009 === 7
    ? `(${i}, 'x') -- note, with; commas), (\n`
    : i % 1013 === 3
    ? `(${i}, $$d), (;$$)`
    : `(${i}, 'value number ${i}')`;
const bigInsert = (rows: string[]) => `INSERT INTO t (id, v) VALUES\n${rows.join(",\n")}`;
const rows = Array.from({ length: ROWS }, (_, i) => row(i));
assert(bigInsert(rows).length > 1.5 * BIG_STATEMENT_CHARS);

Deno.test("a giant INSERT … VALUES splits like any statement, between others, with exact positions", async () => {
  const sql = `-- é\nCREATE TABLE t (id int, v text);\n${
    bigInsert(rows)
  };\nSELECT 'é;x';\nINSERT INTO t VALUES (1, 'y')`;
  const s = await splitStatements(sql, "f.sql");
  const lines = sql.split("\n");
  assertEquals(s.map((x) => [x.type, x.line, x.column]), [
    ["CreateStmt", 2, 1],
    ["InsertStmt", 3, 1],
    ["SelectStmt", lines.length - 1, 1],
    ["InsertStmt", lines.length, 1],
  ]);
  assertEquals(s[1].text, bigInsert(rows));
  assertEquals((s[1].node.relation as { relname: string }).relname, "t");
  assertEquals(s[2].text, "SELECT 'é;x'");
  assertEquals(sql.slice(s[2].offset, s[2].offset + s[2].text.length), "SELECT 'é;x'");
});

Deno.test("a syntax error deep inside a giant INSERT names its file:line:column", async () => {
  const bad = [...rows];
  bad[30_000] = "(30000, 'v' 'w')";
  const sql = `CREATE TABLE t (id int, v text);\n${bigInsert(bad)};\n`;
  // CREATE, the INSERT's head, one line per row before it, and the line break of each comment.
  const line = 2 + 30_000 + 1 + bad.slice(0, 30_000).filter((r) => r.endsWith("\n")).length;
  await assertRejects(
    () => splitStatements(sql, "m.sql"),
    SchemaError,
    `Cannot parse m.sql:${line}:13: syntax error at or near "'w'"`,
  );
});

Deno.test("a call inside a giant INSERT still reaches the lint; a trailing clause still parses", async () => {
  const withCall = [...rows];
  withCall[20_000] = "(20000, pg_advisory_unlock_all()::text)";
  const up = `${bigInsert(withCall)} ON CONFLICT DO NOTHING RETURNING id;\n`;
  const result = await lintMigrations([{ version: "002", name: "rows", upFile: "002_rows.up.sql", upSql: up }], {
    reversibility: false,
  });
  assertEquals(result.findings.map((f) => [f.rule, f.line]), [["releases-migration-lock", 1]]);
  const s = await splitStatements(up, "002_rows.up.sql");
  assertEquals(s.map((x) => [x.type, x.line, x.text.endsWith(") ON CONFLICT DO NOTHING RETURNING id")]), [
    ["InsertStmt", 1, true],
  ]);
});
