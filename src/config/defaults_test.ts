import { assertEquals } from "../../tests/_helpers/assert.ts";
import { helpDuration, MIGRATION_DEFAULTS } from "./defaults.ts";
import { environmentSpec } from "./schema.ts";
import { parseDuration } from "./validate.ts";

Deno.test("help text durations read back as the same milliseconds", () => {
  for (const ms of [500, 5_000, 30_000, 120_000, 1_500]) assertEquals(parseDuration(helpDuration(ms)), ms);
  assertEquals(helpDuration(MIGRATION_DEFAULTS.lockTimeoutMs), "30s");
});

Deno.test("the config schema's migration defaults are the one source's", () => {
  const ctx = { problems: [], lineOf: () => undefined };
  const m = environmentSpec({}, "", ctx)!.migration;
  assertEquals(ctx.problems, []);
  assertEquals(
    {
      lockTimeoutMs: m.lock_timeout,
      statementLockTimeoutMs: m.statement_lock_timeout,
      statementTimeoutMs: m.statement_timeout,
      lockRetries: m.lock_retries,
      allowOutOfOrder: m.allow_out_of_order,
    },
    { ...MIGRATION_DEFAULTS },
  );
  assertEquals(m.tracking_table, "tb_confiture");
});
