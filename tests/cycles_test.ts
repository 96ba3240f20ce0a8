/**
 * The import-cycle gate also runs with the tests, so CI (which runs the README's test command)
 * refuses a cycle between files or folders as `deno task ok` does.
 */
import { assertEquals } from "./_helpers/assert.ts";

Deno.test("no import cycles between source files or folders (scripts/check_cycles.ts)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../scripts/check_cycles.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
});
