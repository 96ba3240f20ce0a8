import { assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { ConfigError, SchemaError } from "../errors.ts";
import { prepareScript } from "./script.ts";

const DEFAULTS = { statementLockTimeoutMs: 5000, statementTimeoutMs: 0 };

Deno.test("directives are read before the first statement and allows anywhere, with their lines (CRLF too)", async () => {
  const rows = Array.from({ length: 500 }, (_, i) => `INSERT INTO t VALUES (${i});`);
  const text = [
    "-- +goose NO TRANSACTION",
    "-- confiture:lock_timeout = 2s",
    ...rows.slice(0, 300),
    "  --  CONFITURE:allow create-index-non-concurrent small table",
    ...rows.slice(300),
    "-- confiture:allow releases-migration-lock -- not a real one",
  ].join("\r\n");
  const s = await prepareScript(text, "002_x.up.sql", DEFAULTS);
  assertEquals([s.mode, s.settings.statementLockTimeoutMs, s.statements.length], ["no-transaction", 2000, 500]);
  assertEquals(s.allows, [
    { rule: "create-index-non-concurrent", reason: "small table", line: 303 },
    { rule: "releases-migration-lock", reason: "-- not a real one", line: 504 },
  ]);
});

Deno.test("a setting directive after the first statement names its line", async () => {
  const text =
    "CREATE TABLE t (a int);\n\nINSERT INTO t VALUES (1); -- confiture:no-transaction\n-- confiture:no-transaction\n";
  await assertRejects(
    () => prepareScript(text, "003_x.up.sql", DEFAULTS),
    ConfigError,
    "003_x.up.sql:4: the confiture:no-transaction directive must come before the first statement",
  );
});

Deno.test("pg_dump's \\restrict lines are skipped: statements keep their lines, the text stays as committed", async () => {
  const text = "--\n-- dump\n--\n\n\\restrict abc123\n\nSET lock_timeout = 0;\n  CREATE TABLE t (id int);\n\n" +
    "\\unrestrict abc123\n";
  const s = await prepareScript(text, "db/migrations/001_init.up.sql", DEFAULTS);
  assertEquals(s.statements.map((st) => [st.text, st.line, st.column, text.slice(st.offset, st.offset + 6)]), [
    ["SET lock_timeout = 0", 7, 1, "SET lo"],
    ["CREATE TABLE t (id int)", 8, 3, "CREATE"],
  ]);
  assertEquals(s.text, text); // what is checksummed: the file as committed
  assertEquals(s.mode, "transaction");
});

Deno.test("any other psql meta-command is refused before anything runs, naming file:line:column", async () => {
  const text = "\\restrict abc123\nCREATE TABLE t (id int);\n\\connect other\nCREATE TABLE u (id int);\n";
  const e = await assertRejects(() => prepareScript(text, "db/migrations/001_init.up.sql", DEFAULTS), SchemaError);
  assertEquals(e.message, "Cannot parse db/migrations/001_init.up.sql:3:1: psql meta-command \\connect is not SQL");
  assertEquals([e.code, e.line], ["PSQL_META_COMMAND", 3]);
});
