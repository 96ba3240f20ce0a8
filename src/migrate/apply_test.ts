/**
 * Round trips of a file run outside a transaction, against a fake session that records every
 * message: the journal row, the session reset and the file's settings travel in one message
 * before the statement; the tracking row and the journal's cleared row in one after it.
 */
import { assert, assertEquals } from "../../tests/_helpers/assert.ts";
import type { Queryable, ReservedSession } from "../db/database.ts";
import { runScript } from "./apply.ts";
import { JournalState } from "./journal_state.ts";
import { prepareScript } from "./script.ts";
import { TrackingTable } from "./tracking_table.ts";

class RecordingSession implements ReservedSession {
  readonly pid = 1;
  readonly messages: string[] = [];
  execTransaction(statements: readonly string[]): Promise<void> {
    this.messages.push(statements.join(";\n"));
    return Promise.resolve();
  }
  query<T>(sql: string): Promise<T[]> {
    this.messages.push(sql);
    return Promise.resolve([]);
  }
  exec(sql: string): Promise<void> {
    this.messages.push(sql);
    return Promise.resolve();
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }
  copyOut(): ReadableStream<Uint8Array> {
    throw new Error("not in this fake");
  }
  copyIn(): Promise<void> {
    throw new Error("not in this fake");
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
}

const tracking = new TrackingTable({ schema: "public", name: "tb_confiture" });
const target = { version: "004", name: "idx", shownPath: "004_idx.up.sql", direction: "up" as const, checksum: "c" };

async function concurrentIndex() {
  return await prepareScript("CREATE INDEX CONCURRENTLY idx_a ON a (id);\n", "004_idx.up.sql", {
    statementLockTimeoutMs: 5000,
    statementTimeoutMs: 0,
  });
}

Deno.test("a one-statement CONCURRENTLY file, no journal yet: three messages, the journal created in the first", async () => {
  const session = new RecordingSession();
  const script = await concurrentIndex();
  assertEquals(script.mode === "transaction", false);
  const journal = new JournalState(false);
  await runScript(session, script, target, tracking, () => "INSERT INTO public.tb_confiture VALUES ('004')", {
    journal,
  });
  const m = session.messages;
  assertEquals(m.length, 3, m.join("\n----\n"));
  assert(m[0].includes("CREATE TABLE IF NOT EXISTS public.tb_confiture_progress"));
  assert(m[0].includes("INSERT INTO public.tb_confiture_progress"));
  assert(m[0].includes("RESET ALL") && m[0].includes("SET lock_timeout = '5000ms'"));
  assertEquals(m[1], "CREATE INDEX CONCURRENTLY idx_a ON a (id)");
  assert(m[2].startsWith("INSERT INTO public.tb_confiture VALUES ('004')"));
  assert(m[2].includes("DELETE FROM public.tb_confiture_progress WHERE version = '004' AND direction = 'up'"));
  assert(m[2].includes("RESET ALL"));
  assert(journal.exists);
});

Deno.test("the next such file in the same run neither creates nor reads the journal again", async () => {
  const session = new RecordingSession();
  const script = await concurrentIndex();
  const journal = new JournalState(false);
  const run = () => runScript(session, script, target, tracking, () => "INSERT INTO t VALUES (1)", { journal });
  await run();
  await run();
  assertEquals(session.messages.length, 6);
  assertEquals(session.messages.filter((s) => s.includes("CREATE TABLE IF NOT EXISTS")).length, 1);
});
