// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * `deno task demo`: migrate the example project (`db/`) into an embedded PGlite database under
 * `.confiture/`, then print `migrate status`. No server needed.
 */
import { runCli } from "../src/cli/cli.ts";

// The demo always uses the embedded default, whatever the shell points at.
Deno.env.delete("CONFITURE_DATABASE_URL");
Deno.env.delete("CONFITURE_LOCAL_URL");

console.error("$ confiture migrate up --env local");
const up = await runCli(["migrate", "up", "--env", "local"]);
if (up !== 0) Deno.exit(up);
console.error("\n$ confiture migrate status --env local");
Deno.exit(await runCli(["migrate", "status", "--env", "local"]));
