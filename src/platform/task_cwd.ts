/**
 * `deno task confiture …` runs main.ts from the checkout (a task's cwd is its deno.json's
 * folder), yet the user means their own directory: the task passes `INIT_CWD` (where they
 * typed the command) as `CONFITURE_TASK_CWD`, and the CLI starts there.
 *
 * @module
 */

/** The variable the `confiture` task in deno.json sets to the user's directory. */
export const TASK_CWD_VARIABLE = "CONFITURE_TASK_CWD";

/**
 * Change to the directory the `confiture` task was typed in, if run by that task; the
 * variable is then cleared so processes the CLI spawns do not inherit it.
 */
export function enterTaskDirectory(): void {
  const dir = Deno.env.get(TASK_CWD_VARIABLE);
  if (!dir) return;
  Deno.env.delete(TASK_CWD_VARIABLE);
  Deno.chdir(dir);
}
