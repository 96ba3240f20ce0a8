import { assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { SchemaError } from "../errors.ts";
import { lintMigrations } from "./lint_migrations.ts";
import { parseSql } from "./parse_sql.ts";

const KEY = "RCbPbbB2msXegQC7nnPb4FCdyJAcGkthh6wRnbdZc41OkGi71Pfbfdoo4DHBNzR";

Deno.test("pg_dump's \\restrict lines are no parse error, and later statements keep line:col", async () => {
  const sql = `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${KEY}\n\n-- café\nSET lock_timeout = 0;\n` +
    `   CREATE INDEX idx ON public.users (email);\n\n\\unrestrict ${KEY}\n`;
  const parsed = await parseSql("db/migrations/001_init.up.sql", sql);
  assertEquals(parsed.statements.map((s) => [s.type, s.line, s.column]), [
    ["VariableSetStmt", 8, 1],
    ["IndexStmt", 9, 4],
  ]);
  const r = await lintMigrations([{
    version: "001",
    name: "init",
    upFile: "db/migrations/001_init.up.sql",
    upSql: sql,
  }], { reversibility: false });
  assertEquals(r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`), [
    "db/migrations/001_init.up.sql:9:4 create-index-non-concurrent",
  ]);
});

Deno.test("another psql meta-command is a SchemaError naming file:line:col and the command", async () => {
  const e = await assertRejects(
    () => parseSql("db/migrations/001_init.up.sql", `\\restrict ${KEY}\nSELECT 1;\n\\i other.sql\n`),
    SchemaError,
  );
  assertEquals(e.message, "Cannot parse db/migrations/001_init.up.sql:3:1: psql meta-command \\i is not SQL");
  assertEquals(e.code, "PSQL_META_COMMAND");
});

Deno.test("a dump with \\restrict lines still carries its confiture: directives and allows", async () => {
  const sql = `\\restrict ${KEY}\n-- confiture:lock_timeout 2s\nSET lock_timeout = 0;\n` +
    "-- confiture:allow create-index-non-concurrent tiny table\nCREATE INDEX idx ON public.users (email);\n" +
    `\\unrestrict ${KEY}\n`;
  const r = await lintMigrations([{ version: "001", name: "init", upFile: "001_init.up.sql", upSql: sql }], {
    reversibility: false,
  });
  assertEquals(r.findings.map((f) => [f.rule, f.line, f.allowed, f.reason]), [
    ["create-index-non-concurrent", 5, true, "tiny table"],
  ]);
});
