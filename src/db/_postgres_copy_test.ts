/**
 * Pins the two assumptions `_postgres_copy.ts` makes about postgres.js's private state, so a
 * driver upgrade that breaks one fails here, by name, rather than as a hung COPY.
 */
import postgres from "postgres";
import { assert, assertEquals } from "../../tests/_helpers/assert.ts";
import { NO_SERVER, SERVER_URL } from "../../tests/_helpers/db.ts";
import { type CopyInQuery, type CopyOutStream, POSTGRES_JS_VERSION } from "./_postgres_copy.ts";

Deno.test("the pinned postgres.js is the version _postgres_copy.ts was written against", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(config.imports.postgres, `npm:postgres@${POSTGRES_JS_VERSION}`);
});

Deno.test({
  name: "[server] postgres.js: a COPY OUT stream has _read, a COPY IN query has reject (private state relied on)",
  ignore: NO_SERVER,
  async fn() {
    const sql = postgres(SERVER_URL!, { max: 1, onnotice: () => {} });
    try {
      const out = sql.unsafe("COPY (SELECT 1) TO STDOUT") as unknown as { readable(): Promise<CopyOutStream> };
      const readable = await out.readable();
      assertEquals(typeof readable._read, "function", "COPY OUT stream _read");
      for await (const _ of readable) { /* drain */ }

      const reserved = await sql.reserve();
      try {
        await reserved.unsafe("CREATE TEMP TABLE pin_copy (id int)");
        const q = reserved.unsafe("COPY pin_copy FROM STDIN") as unknown as CopyInQuery;
        assertEquals(typeof q.reject, "function", "COPY IN query reject");
        const writable = await q.writable();
        await new Promise<void>((resolve, reject) => writable.end("1\n", () => resolve()).on("error", reject));
        await q;
        const [row] = await reserved.unsafe("SELECT count(*)::int AS n FROM pin_copy");
        assert(row.n === 1, "the row arrived");
      } finally {
        reserved.release();
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});
