import { Command } from "@commander-js/extra-typings";
import { assertEquals } from "../../tests/_helpers/assert.ts";
import { CommandContext } from "./context.ts";
import { attachRun, CommandRun } from "./run.ts";

/** A tree whose one command sets `code` (when given), then waits for `gate` before it ends. */
function tree(code: number | undefined, gate: Promise<void>) {
  const run = new CommandRun();
  const root = new Command("confiture");
  root.addCommand(
    new Command("act").action(async (_opts, command) => {
      const ctx = new CommandContext(command);
      if (code !== undefined) ctx.setExitCode(code);
      await gate;
    }),
  );
  attachRun(root, run);
  return { run, parse: () => root.parseAsync(["act"], { from: "user" }) };
}

Deno.test("two command runs in one process keep their own exit codes, however they interleave", async () => {
  let open = () => {};
  const gate = new Promise<void>((resolve) => open = resolve);
  const a = tree(3, gate);
  const b = tree(undefined, Promise.resolve());
  const running = a.parse(); // sets 3, then waits
  await b.parse(); // ends while a is still running
  assertEquals(b.run.finish(), 0);
  open();
  await running;
  assertEquals(a.run.finish(), 3);
});
