import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { SchemaError } from "../errors.ts";
import { withoutPsqlMetaCommands } from "./psql_meta.ts";

const KEY = "RCbPbbB2msXegQC7nnPb4FCdyJAcGkthh6wRnbdZc41OkGi71Pfbfdoo4DHBNzR";

Deno.test("pg_dump's \\restrict and \\unrestrict lines are blanked to the same length", () => {
  const sql =
    `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${KEY}\r\n\nSET lock_timeout = 0;\n\n\\unrestrict ${KEY}\n`;
  const out = withoutPsqlMetaCommands(sql, { file: "001_init.up.sql" });
  assertEquals(out.length, sql.length);
  assertEquals(out.split("\n").length, sql.split("\n").length);
  assertEquals(out.includes("\\"), false);
  assertEquals(out.indexOf("SET lock_timeout"), sql.indexOf("SET lock_timeout"));
  // Nothing else changes; text without meta-commands is returned as is.
  assertEquals(out.replace(/ +/g, " "), sql.replace(/\\(un)?restrict \w+\r?/g, " ").replace(/ +/g, " "));
  const plain = "SELECT '\\restrict x';\n-- \\connect y\n";
  assertEquals(withoutPsqlMetaCommands(plain, { file: "f.sql" }), plain);
});

Deno.test("any other meta-command is refused naming file:line:column and the command", () => {
  for (
    const [line, command] of [["\\connect other", "\\connect"], ["  \\i common.sql", "\\i"], [
      "\\set ON_ERROR_STOP on",
      "\\set",
    ], ["\\copy t FROM 'x.csv'", "\\copy"]]
  ) {
    const sql = `\\restrict ${KEY}\nCREATE TABLE é (id int);\n${line}\nSELECT 1;\n`;
    const e = assertThrows(() => withoutPsqlMetaCommands(sql, { file: "db/migrations/001_init.up.sql" }), SchemaError);
    const column = line.indexOf("\\") + 1;
    assertEquals(
      e.message,
      `Cannot apply db/migrations/001_init.up.sql:3:${column}: psql meta-command ${command} is not SQL`,
    );
    assertEquals([e.code, e.exitCode], ["PSQL_META_COMMAND", 4]);
  }
  const e = assertThrows(() => withoutPsqlMetaCommands("SELECT 1;\n\\connect x\n", { file: "f.sql" }, "parse"));
  assertEquals((e as Error).message, "Cannot parse f.sql:2:1: psql meta-command \\connect is not SQL");
});

Deno.test("a built schema locates the command through its own map from position to file", () => {
  const sql = "SELECT 1;\n\\connect x\n";
  const asked: number[] = [];
  const e = assertThrows(() =>
    withoutPsqlMetaCommands(sql, {
      locate: (position) => {
        asked.push(position);
        return { file: "db/schema/10_tables.sql", line: 7, column: 1 };
      },
    })
  );
  assertEquals(asked, [11]);
  assertEquals(
    (e as Error).message,
    "Cannot apply db/schema/10_tables.sql:7:1: psql meta-command \\connect is not SQL",
  );
});
