/**
 * A reserved session whose connection died must never go back to the pool. When a COPY FROM
 * STDIN is writing as the server ends the backend, the write can fail (EPIPE) before the socket
 * reports its close; a session released then used to hand the dead connection to the next
 * caller, whose query postgres.js never settled: the CLI ended in "Top-level await promise never
 * resolved" (seen on `sync` whose target was terminated mid-COPY).
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { ConnectionError } from "../src/errors.ts";

/** COPY text rows for ever, as fast as the connection takes them. */
function endlessRows(): ReadableStream<Uint8Array> {
  const line = new TextEncoder().encode("x".repeat(200) + "\n");
  const chunk = new Uint8Array(line.length * 300);
  for (let i = 0; i < 300; i++) chunk.set(line, i * line.length);
  return new ReadableStream({ pull: (c) => c.enqueue(chunk) }, { highWaterMark: 4 });
}

/** `call` settles within `ms`, or the test fails saying what hung. */
function within<T>(ms: number, what: string, call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

Deno.test({
  name: "[server] a session whose COPY IN lost its backend is lost at once, and the pool serves the next call",
  ignore: NO_SERVER,
  async fn() {
    await using t = await freshServerDb("cftlost");
    await t.db.exec("CREATE TABLE sink (v text)");
    const db = await openDatabase(parseDatabaseUrl(t.url, () => undefined), { max: 2 });
    try {
      // A few times over: every loss also raises postgres.js's reconnect backoff (3^n / 100 s).
      for (let round = 0; round < 5; round++) {
        const session = await db.reserve();
        const copying = session.copyIn("COPY sink (v) FROM STDIN", endlessRows());
        copying.catch(() => {});
        // Wait until the COPY is under way on the server, then end that backend.
        for (let i = 0; i < 200; i++) {
          const [{ n }] = await t.db.query<{ n: string }>(
            "SELECT count(*)::text AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'COPY sink%'",
            [session.pid],
          );
          if (n === "1") break;
          await new Promise((r) => setTimeout(r, 5));
        }
        await t.db.query("SELECT pg_terminate_backend($1)", [session.pid]);
        const failure = await within(10_000, "the COPY", copying.then(() => undefined, (e) => e));
        ok(failure instanceof ConnectionError, `round ${round}: ${failure}`);
        ok((session as unknown as { lost: boolean }).lost, `round ${round}: the session knows its connection is gone`);
        await session.release();
        // The next callers get live connections, whatever the order of the socket's events.
        const after = (what: string, call: Promise<unknown>) =>
          within(10_000, `round ${round}: ${what}`, call).catch((e) => {
            throw new Error(`round ${round}: ${what} failed: ${(e as Error).message}`);
          });
        await after("a transaction after the loss", db.transaction((tx) => tx.query("SELECT 1")));
        await after("a query after the loss", db.query("SELECT 1"));
      }
    } finally {
      await db.close();
    }
  },
});
