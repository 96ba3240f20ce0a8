/**
 * The `confiture` executable: run the CLI and exit with its code.
 *
 * @module
 */
import { runCli } from "./src/cli/cli.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
