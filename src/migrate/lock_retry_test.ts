import { assertEquals } from "../../tests/_helpers/assert.ts";
import { MigrationError } from "../errors.ts";
import type { ConfitureEvent } from "../events.ts";
import { isLockTimeout, pauseBeforeRetry, retryDelayMs } from "./lock_retry.ts";

Deno.test("the backoff doubles per attempt and is jittered to 50–150 %", () => {
  assertEquals([0, 1, 2, 3].map((a) => retryDelayMs(a, () => 0.5)), [200, 400, 800, 1600]);
  assertEquals(retryDelayMs(1, () => 0), 200);
  assertEquals(retryDelayMs(1, () => 0.999999), 600);
});

Deno.test("a retry is announced with its attempt and delay, then waited out", async () => {
  const events: ConfitureEvent[] = [];
  const slept: number[] = [];
  await pauseBeforeRetry((e) => events.push(e), { version: "003", name: "add_index" }, 1, {
    random: () => 0.5,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
  assertEquals(events, [{
    type: "migration.retry",
    version: "003",
    name: "add_index",
    attempt: 2,
    delayMs: 400,
    reason: "lock_timeout waiting for a table lock",
  }]);
  assertEquals(slept, [400]);
});

Deno.test("only a migration's lock timeout counts as one", () => {
  assertEquals(isLockTimeout(new MigrationError("x", { code: "LOCK_TIMEOUT_IN_MIGRATION" })), true);
  assertEquals(isLockTimeout(new MigrationError("x", { code: "MIGRATION_FAILED" })), false);
  assertEquals(isLockTimeout(new Error("LOCK_TIMEOUT_IN_MIGRATION")), false);
});
