/**
 * The `confiture` executable: run the CLI and exit with its code.
 *
 * @module
 */
import { runCli } from "./src/cli/cli.ts";
import { enterTaskDirectory } from "./src/platform/task_cwd.ts";

if (import.meta.main) {
  enterTaskDirectory();
  Deno.exit(await runCli(Deno.args));
}
