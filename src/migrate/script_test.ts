import { assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
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
