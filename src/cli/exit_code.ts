/**
 * The exit code a command sets for a successful run that still has news (pending migrations,
 * lint warnings). Its own module so `cli.ts` need not load the command context to read it.
 *
 * @module
 */

let exitCode = 0;

/** Set the process exit code for the current command. */
export function setExitCode(code: number): void {
  exitCode = code;
}

/** Read and reset the exit code (used by `runCli`). */
export function takeExitCode(): number {
  const c = exitCode;
  exitCode = 0;
  return c;
}
