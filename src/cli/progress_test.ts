import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ProgressRenderer } from "./progress.ts";

function run(tty: boolean, verbose = false) {
  let out = "";
  let now = 0;
  const r = new ProgressRenderer({ tty, verbose, quiet: false, write: (s) => out += s, now: () => now });
  r.event({ type: "progress", task: "public.t", done: 0, total: 1000, unit: "rows" });
  now = 500;
  r.event({ type: "progress", task: "public.t", done: 500, total: 1000, unit: "rows" });
  now = 1000;
  r.event({ type: "progress", task: "public.t", done: 1000, total: 1000, unit: "rows" });
  assertEquals(r.event({ type: "info", message: "x" }), false);
  return out;
}

Deno.test("progress bars redraw in place on a terminal", () => {
  const out = run(true);
  ok(out.includes("\r\x1b[2Kpublic.t [############------------] 500/1,000 rows 1,000 rows/s ETA 0.5 s"), out);
  ok(out.endsWith("public.t [########################] 1,000 rows in 1.0 s, 1,000 rows/s\n"), out);
});

Deno.test("progress does not animate when stderr is not a terminal", () => {
  assertEquals(run(false), "public.t [########################] 1,000 rows in 1.0 s, 1,000 rows/s\n");
  const verbose = run(false, true);
  ok(!verbose.includes("\r"));
  assertEquals(verbose.split("\n").length, 3);
});
