/**
 * lock_timeout = 0 means "wait forever" in PostgreSQL: for a statement on a live table, a file
 * that sets it to 0 (as every pg_dump does), to a value that rounds to 0, or resets it, has no
 * timeout, whatever the runner set before.
 */
import { assertEquals } from "../../tests/_helpers/assert.ts";
import { lintMigrations } from "./lint_migrations.ts";

const LIVE = "ALTER TABLE public.users ADD COLUMN nickname text;";

async function lint(sql: string, statementLockTimeoutMs = 5000) {
  const r = await lintMigrations([{ version: "001", name: "x", upFile: "001_x.up.sql", upSql: sql }], {
    statementLockTimeoutMs,
    reversibility: false,
  });
  return r.findings.filter((f) => f.rule === "missing-lock-timeout").map((f) => `${f.line}: ${f.message}`);
}

Deno.test("a file's lock_timeout of 0, however written, is no timeout: the runner's is gone", async () => {
  for (
    const set of [
      "SET lock_timeout = 0;",
      "SET lock_timeout TO '0';",
      "SET SESSION lock_timeout = '0s';",
      "SET LOCAL lock_timeout = '0ms';",
      "SET lock_timeout = '0.4ms';",
      "SET lock_timeout = '300us';",
      "SELECT pg_catalog.set_config('lock_timeout', '0', false);",
      "SET lock_timeout = DEFAULT;",
      "RESET lock_timeout;",
      "SET lock_timeout = '2s';\nRESET ALL;",
    ]
  ) {
    const line = set.split("\n").length;
    assertEquals(await lint(`${set}\n${LIVE}\n`), [
      `${line + 1}: ALTER TABLE takes an ACCESS EXCLUSIVE lock on public.users and line ${line} turned ` +
      "lock_timeout off (0 waits forever)",
    ], set);
  }
});

Deno.test("a non-zero lock_timeout after the 0 counts again; without any, the runner's applies", async () => {
  for (
    const set of [
      "SET lock_timeout = '2s';",
      "SET lock_timeout = 1;",
      "SET lock_timeout = '0.6ms';",
      "SET lock_timeout = '1min';",
    ]
  ) {
    assertEquals(await lint(`SET lock_timeout = 0;\n${set}\n${LIVE}\n`), [], set);
  }
  assertEquals(await lint(`${LIVE}\n`), []);
  assertEquals(await lint(`${LIVE}\n`, 0), [
    "1: ALTER TABLE takes an ACCESS EXCLUSIVE lock on public.users and no lock_timeout is set",
  ]);
  assertEquals(await lint(`-- confiture:lock_timeout 0\n${LIVE}\n`), [
    "2: ALTER TABLE takes an ACCESS EXCLUSIVE lock on public.users and no lock_timeout is set",
  ]);
});
