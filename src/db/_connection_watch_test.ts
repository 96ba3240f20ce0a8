import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { isStaleLoss, retryStale } from "./_connection_watch.ts";

const pgError = (code: string, severity: string) =>
  Object.assign(new Error("x"), { name: "PostgresError", code, severity });

Deno.test("isStaleLoss: only a FATAL termination the server sent, however wrapped", () => {
  const cases: [string, unknown, boolean][] = [
    ["57P01 FATAL (terminated by an administrator)", pgError("57P01", "FATAL"), true],
    ["57P02 FATAL (crash shutdown)", pgError("57P02", "FATAL"), true],
    ["57P05 FATAL (idle session timeout)", pgError("57P05", "FATAL"), true],
    ["wrapped as the cause of a ConnectionError", new Error("lost", { cause: pgError("57P01", "FATAL") }), true],
    ["57P01 as ERROR is not a stale loss", pgError("57P01", "ERROR"), false],
    ["57P03 (cannot connect now) is a connection failure", pgError("57P03", "FATAL"), false],
    ["a socket error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), false],
    ["CONNECTION_CLOSED from the driver", Object.assign(new Error("closed"), { code: "CONNECTION_CLOSED" }), false],
    ["a SQL error", pgError("42P01", "ERROR"), false],
    ["not an error", "boom", false],
  ];
  for (const [what, error, stale] of cases) assertEquals([what, isStaleLoss(error)], [what, stale]);
});

Deno.test("retryStale: sends once more after a stale loss, never after another failure", async () => {
  let calls = 0;
  const once = await retryStale(() =>
    ++calls === 1 ? Promise.reject(pgError("57P01", "FATAL")) : Promise.resolve(calls)
  );
  assertEquals(once, 2);
  calls = 0;
  const failed = await retryStale(() => (++calls, Promise.reject(pgError("23505", "ERROR")))).catch((e) => e.code);
  assertEquals([failed, calls], ["23505", 1]);
});
