/**
 * The `up` scheduler against a fake session: a serial queue like one server connection, which
 * honours the guard (a migration sent behind another fails unless its predecessor committed)
 * and fails migrations on demand. No server: what is tested is the scheduling itself.
 */
import { assert, assertEquals, assertRejects } from "../../tests/_helpers/assert.ts";
import type { Queryable, ReservedSession } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { InterruptedError, MigrationError } from "../errors.ts";
import type { ConfitureEvent } from "../events.ts";
import { type PipelineStep, UpPipeline } from "./pipeline.ts";
import { prepareScript } from "./script.ts";
import { TrackingTable } from "./tracking_table.ts";
import { JournalState } from "./journal_state.ts";

const tracking = new TrackingTable({ name: "tb_confiture" });

/** A failure the fake raises on one attempt: `indexed` errors name their statement. */
interface Fault {
  sqlstate: string;
  indexed: boolean;
}

class FakeSession implements ReservedSession {
  readonly pid = 1;
  readonly committed: string[] = [];
  /** Each transaction as it reached the "server": version, guarded, one message. */
  readonly received: { version: string; guardedBy?: string; oneMessage: boolean }[] = [];
  readonly execs: string[] = [];
  /** What was sent and what answered, in order: `send 003` / `done 003` (`exec` for one statement). */
  readonly log: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(readonly faults: Map<string, Fault[]> = new Map()) {}

  execTransaction(statements: readonly string[], options: { oneMessage?: boolean } = {}): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const version = /t_(\d+)/.exec(statements[1] ?? "")?.[1] ?? "?";
    this.log.push(`send ${version}`);
    const run = this.#tail.then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      const guardedBy = GUARD.exec(statements[0])?.[1];
      this.received.push({ version, guardedBy, oneMessage: options.oneMessage === true });
      if (guardedBy !== undefined && !this.committed.includes(guardedBy)) {
        throw Object.assign(new DatabaseError({ message: "did not commit", sqlstate: "P0001" }), {
          statementIndex: 0,
        });
      }
      const fault = this.faults.get(version)?.shift();
      if (fault) {
        const e = new DatabaseError({ message: `fault ${fault.sqlstate}`, sqlstate: fault.sqlstate });
        if (fault.indexed) e.statementIndex = 1;
        throw e;
      }
      this.committed.push(version);
      this.log.push(`done ${version}`);
    });
    this.#tail = run.catch(() => {});
    return run.finally(() => this.inFlight--);
  }
  /** One message of a statement-by-statement file: queued like the rest, guard honoured. */
  exec(sql: string): Promise<void> {
    this.execs.push(sql);
    const what = RECORDS.exec(sql)?.[1] ?? (sql.includes("CREATE INDEX") ? "index" : "exec");
    this.log.push(`send ${what}${this.inFlight > 0 ? " (busy)" : ""}`);
    const run = this.#tail.then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      const guardedBy = GUARD.exec(sql)?.[1];
      if (guardedBy !== undefined && !this.committed.includes(guardedBy)) {
        throw new DatabaseError({ message: "did not commit", sqlstate: "P0001" });
      }
      if (RECORDS.test(sql)) this.committed.push(what);
      this.log.push(`done ${what}`);
    });
    this.#tail = run.catch(() => {});
    return run;
  }
  query<T>(): Promise<T[]> {
    return Promise.resolve([]);
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

// The guard's version, and the version a message records in the tracking table.
const GUARD = /\$confiture_guard\$[\s\S]*?WHERE version = '(\d+)'/;
const RECORDS = /VALUES \(gen_random_uuid\(\), '[^']*', '(\d+)'/;

/** `n` migrations; those in `stepwise` build an index CONCURRENTLY (statement by statement). */
async function steps(n: number, stepwise: number[] = []): Promise<PipelineStep[]> {
  const out: PipelineStep[] = [];
  for (let i = 1; i <= n; i++) {
    const version = String(i).padStart(3, "0");
    const text = stepwise.includes(i)
      ? `CREATE INDEX CONCURRENTLY i_${version} ON t_001 (id);\n`
      : `CREATE TABLE t_${version} (id int);\n`;
    const script = await prepareScript(text, `${version}_m.up.sql`, {
      statementLockTimeoutMs: 0,
      statementTimeoutMs: 0,
    });
    const target = { version, name: "m", shownPath: `${version}_m.up.sql`, direction: "up" as const, checksum: "x" };
    out.push({ file: { version, name: "m" }, script, target, record: { ...target, executionTimeMs: 0 } });
  }
  return out;
}

function pipeline(session: FakeSession, all: PipelineStep[], extra: { depth?: number; lockRetries?: number } = {}) {
  const events: ConfitureEvent[] = [];
  const pauses: { version: string; attempt: number }[] = [];
  const p = new UpPipeline({
    session,
    tracking,
    steps: all,
    depth: extra.depth ?? 8,
    lockRetries: extra.lockRetries ?? 3,
    emit: (e) => events.push(e),
    journal: new JournalState(false),
    pause: (file, attempt) => {
      pauses.push({ version: file.version, attempt });
      return Promise.resolve();
    },
  });
  const started = () => events.filter((e) => e.type === "migration.start").map((e) => "version" in e && e.version);
  return { p, events, pauses, started };
}

const versions = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1).padStart(3, "0"));

Deno.test("up sends up to `depth` migrations ahead, each behind a guard on its predecessor", async () => {
  const session = new FakeSession();
  const { p, started } = pipeline(session, await steps(10));
  await p.run();
  assertEquals(session.committed, versions(10));
  assertEquals(p.runs.map((r) => r.version), versions(10));
  assertEquals(session.maxInFlight, 8);
  // The window refills while others are in flight: only the first is sent unguarded.
  assertEquals(session.received.filter((r) => r.guardedBy === undefined).map((r) => r.version), ["001"]);
  assertEquals(session.received[1].guardedBy, "001");
  assertEquals(started(), versions(10));
});

Deno.test("depth 1 sends one migration at a time, without guards", async () => {
  const session = new FakeSession();
  const { p } = pipeline(session, await steps(4), { depth: 1 });
  await p.run();
  assertEquals(session.committed, versions(4));
  assertEquals(session.maxInFlight, 1);
  assert(session.received.every((r) => r.guardedBy === undefined));
});

Deno.test("a lock timeout is retried after a pause; the migrations refused behind it are sent again", async () => {
  const session = new FakeSession(new Map([["003", [{ sqlstate: "55P03", indexed: true }]]]));
  const { p, pauses, started } = pipeline(session, await steps(6));
  await p.run();
  assertEquals(session.committed, versions(6));
  assertEquals(pauses, [{ version: "003", attempt: 0 }]);
  // 004…006 reached the server behind 003, were refused by their guard, and ran again later.
  assertEquals(session.received.filter((r) => r.version === "005").length, 2);
  // Each migration is announced once, however often it was sent.
  assertEquals(started(), versions(6));
});

Deno.test("a lasting failure stops everything behind it; what committed is reported", async () => {
  const session = new FakeSession(new Map([["003", [{ sqlstate: "42P01", indexed: true }]]]));
  const { p } = pipeline(session, await steps(6));
  const e = await assertRejects(() => p.run(), MigrationError, "Cannot apply 003_m.up.sql:1:1: fault 42P01");
  assertEquals((e as MigrationError).code, "MIGRATION_FAILED");
  assertEquals(session.committed, ["001", "002"]);
  assertEquals(p.runs.map((r) => r.version), ["001", "002"]);
});

Deno.test("with no retries left a lock timeout fails at once, without a pause", async () => {
  const session = new FakeSession(new Map([["002", [{ sqlstate: "55P03", indexed: true }]]]));
  const { p, pauses } = pipeline(session, await steps(3), { lockRetries: 0 });
  const e = await assertRejects(() => p.run(), MigrationError);
  assertEquals((e as MigrationError).code, "LOCK_TIMEOUT_IN_MIGRATION");
  assertEquals(pauses, []);
  assertEquals(session.committed, ["001"]);
});

Deno.test("retries stop after lockRetries attempts", async () => {
  const timeout = { sqlstate: "55P03", indexed: true };
  const session = new FakeSession(new Map([["001", [timeout, timeout, timeout]]]));
  const { p, pauses } = pipeline(session, await steps(2), { lockRetries: 2 });
  await assertRejects(() => p.run(), MigrationError, "fault 55P03");
  assertEquals(pauses.map((x) => x.attempt), [0, 1]);
  assertEquals(session.committed, []);
});

Deno.test("a one-message failure without a statement is replayed statement by statement to name it", async () => {
  const session = new FakeSession(
    new Map([["002", [{ sqlstate: "42P07", indexed: false }, { sqlstate: "42P07", indexed: true }]]]),
  );
  const { p } = pipeline(session, await steps(3));
  await assertRejects(() => p.run(), MigrationError, "Cannot apply 002_m.up.sql:1:1");
  const tries = session.received.filter((r) => r.version === "002");
  assertEquals(tries.map((r) => r.oneMessage), [true, false]);
});

Deno.test("an aborted run sends nothing more and throws InterruptedError", async () => {
  const session = new FakeSession();
  const ac = new AbortController();
  ac.abort("SIGINT");
  const q = new UpPipeline({
    session,
    tracking,
    steps: await steps(3),
    depth: 8,
    lockRetries: 0,
    signal: ac.signal,
    emit: () => {},
  });
  await assertRejects(() => q.run(), InterruptedError);
  assertEquals(session.received, []);
  assertEquals(q.runs, []);
});

Deno.test("flush makes asynchronously committed migrations durable after a stop", async () => {
  const session = new FakeSession(new Map([["002", [{ sqlstate: "42P01", indexed: true }]]]));
  const { p } = pipeline(session, await steps(3));
  await assertRejects(() => p.run(), MigrationError);
  const before = session.received.length;
  await p.flush();
  // 001 committed with synchronous_commit off: one more transaction flushes its WAL.
  assertEquals(session.received.length, before + 1);
  const clean = new FakeSession();
  const { p: ok } = pipeline(clean, await steps(2));
  await ok.run();
  const sent = clean.received.length;
  await ok.flush();
  assertEquals(clean.received.length, sent, "the last migration committed synchronously: nothing to flush");
});

Deno.test("a statement-by-statement file is sent behind those in flight, and what follows behind its last message", async () => {
  const session = new FakeSession();
  const { p, started } = pipeline(session, await steps(5, [3]));
  await p.run();
  assertEquals(session.committed, versions(5));
  assertEquals(p.runs.map((r) => r.version), versions(5));
  assertEquals(started(), versions(5));
  // Where an entry is in the log; it must be there.
  const at = (entry: string) => {
    const i = session.log.indexOf(entry);
    assert(i >= 0, `${entry} is not in ${session.log.join(", ")}`);
    return i;
  };
  // Its first message left before 002 answered, guarded on it; its statement only after.
  const first = session.execs[0];
  assertEquals(GUARD.exec(first)?.[1], "002");
  assert(at("send exec (busy)") < at("done 002"), session.log.join(", "));
  assert(at("send index") > at("done exec"), "the statement waits for the first message");
  // 004 left behind 003's last message, before it answered, guarded on 003.
  assert(at("send 004") < at("done 003"), session.log.join(", "));
  assertEquals(session.received.find((r) => r.version === "004")?.guardedBy, "003");
});

Deno.test("a statement-by-statement file behind a failed migration is refused before its statements", async () => {
  const session = new FakeSession(new Map([["002", [{ sqlstate: "23503", indexed: true }]]]));
  const { p } = pipeline(session, await steps(4, [3]));
  await assertRejects(() => p.run(), MigrationError, "Cannot apply 002_m.up.sql");
  assertEquals(session.committed, ["001"]);
  assert(!session.log.includes("send index"), "the index was never sent");
  assert(!session.log.includes("send 004"));
});
