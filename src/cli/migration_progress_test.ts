import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { ConfitureEvent } from "../events.ts";
import { elapsed, MigrationProgress } from "./migration_progress.ts";

const CLEAR = "\r\x1b[2K";

/** A renderer on a fake clock, writer and scheduler; `rendered` lists the events passed on. */
function setup(tty: boolean, quiet = false) {
  const clock = { now: 0 };
  const out: string[] = [];
  const rendered: string[] = [];
  const timers = { running: 0, every: 0 };
  const p = new MigrationProgress({
    tty,
    quiet,
    heartbeatMs: 10_000,
    write: (s) => out.push(s),
    now: () => clock.now,
    schedule: (_tick, everyMs) => {
      timers.running++;
      timers.every = everyMs;
      return () => timers.running--;
    },
  });
  const send = (e: ConfitureEvent) => p.event(e, (x) => rendered.push(x.type === "info" ? x.message : x.type));
  return { p, clock, out, rendered, timers, send };
}

const start = (version: string, name: string, statements = 1, stepwise = false): ConfitureEvent => ({
  type: "migration.start",
  direction: "up",
  version,
  name,
  statements,
  stepwise,
});
const statement = (version: string, name: string, index: number, total: number): ConfitureEvent => ({
  type: "migration.statement",
  direction: "up",
  version,
  name,
  index,
  total,
});
const done = (version: string, name: string): ConfitureEvent => ({
  type: "migration.done",
  direction: "up",
  version,
  name,
  durationMs: 1,
});

Deno.test("on a terminal: one live line with the statement k/n and the elapsed time, cleared around other lines", () => {
  const { p, clock, out, rendered, timers, send } = setup(true);
  send(start("003", "add_index", 5, true));
  assertEquals(out, [`${CLEAR}Applying 003_add_index  0.0 s`]);
  assertEquals([timers.running, timers.every], [1, 100]);
  clock.now = 1_000;
  send(statement("003", "add_index", 2, 5));
  clock.now = 12_400;
  p.tick();
  assertEquals(out.at(-1), `${CLEAR}Applying 003_add_index  statement 2/5  12.4 s`);
  // Any other line: clear, let it print, draw again.
  out.length = 0;
  send({ type: "info", message: "dropped an INVALID index" });
  assertEquals(rendered, ["dropped an INVALID index"]);
  assertEquals(out, [CLEAR, `${CLEAR}Applying 003_add_index  statement 2/5  12.4 s`]);
  out.length = 0;
  send(done("003", "add_index"));
  assertEquals(out, [CLEAR]);
  assertEquals(rendered.at(-1), "migration.done");
  assertEquals(timers.running, 0);
  p.close();
  assertEquals(out, [CLEAR], "nothing left to clear");
});

Deno.test("on a terminal: closing mid-run (an error is about to print) clears the line and stops the timer", () => {
  const { p, out, timers, send } = setup(true);
  send(start("001", "slow"));
  p.close();
  assertEquals(out, [`${CLEAR}Applying 001_slow  0.0 s`, CLEAR]);
  assertEquals(timers.running, 0);
});

Deno.test("migrations sent ahead: the one shown is the oldest not yet done, timed from when it began to run", () => {
  const { p, out, clock, send } = setup(false);
  send(start("001", "a"));
  send(start("002", "b"));
  send(start("003", "c"));
  assertEquals(out, ["Applying 001_a…\n"]);
  clock.now = 5;
  send(done("001", "a"));
  clock.now = 10_005;
  p.tick();
  send(done("002", "b"));
  send(done("003", "c"));
  assertEquals(out, [
    "Applying 001_a…\n",
    "Applying 002_b…\n",
    "… still running 002_b, 10.0 s\n",
    "Applying 003_c…\n",
  ]);
});

Deno.test("off a terminal: a start line, then a heartbeat every interval within one statement", () => {
  const { p, clock, out, timers, send } = setup(false);
  send(start("003", "add_index", 2, true));
  assertEquals(out, ["Applying 003_add_index (2 statements, one at a time)…\n"]);
  assertEquals(timers.every, 1_000);
  send(statement("003", "add_index", 1, 2));
  clock.now = 9_999;
  p.tick();
  assertEquals(out.length, 1, "no beat before the interval");
  clock.now = 10_000;
  p.tick();
  clock.now = 20_500;
  p.tick();
  assertEquals(out.slice(1), [
    "… still running 003_add_index (statement 1/2), 10.0 s\n",
    "… still running 003_add_index (statement 1/2), 20.5 s\n",
  ]);
  // A new statement starts the count again.
  clock.now = 25_000;
  send(statement("003", "add_index", 2, 2));
  clock.now = 34_000;
  p.tick();
  assertEquals(out.length, 3);
  clock.now = 35_000;
  p.tick();
  assertEquals(out.at(-1), "… still running 003_add_index (statement 2/2), 10.0 s\n");
  ok(!out.join("").includes("\r"));
});

Deno.test("a migration in one transaction beats with its own elapsed time; rolling back says so", () => {
  const { p, clock, out, send } = setup(false);
  send({ ...start("002", "big"), direction: "down" } as ConfitureEvent);
  clock.now = 70_000;
  p.tick();
  assertEquals(out, ["Rolling back 002_big…\n", "… still running 002_big, 1 min 10 s\n"]);
});

Deno.test("--quiet: nothing is written, every event goes to the renderer behind", () => {
  const { p, clock, out, rendered, timers, send } = setup(true, true);
  send(start("001", "a", 2, true));
  send(statement("001", "a", 1, 2));
  clock.now = 60_000;
  p.tick();
  send(done("001", "a"));
  p.close();
  assertEquals(out, []);
  assertEquals(timers.running, 0);
  assertEquals(rendered, ["migration.start", "migration.statement", "migration.done"]);
});

Deno.test("elapsed times read as seconds, then minutes", () => {
  assertEquals([elapsed(0), elapsed(12_449), elapsed(59_949), elapsed(59_960), elapsed(185_000)], [
    "0.0 s",
    "12.4 s",
    "59.9 s",
    "1 min 00 s",
    "3 min 05 s",
  ]);
});
