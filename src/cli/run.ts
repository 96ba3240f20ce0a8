/**
 * The state of one command run: the exit code a successful command sets (pending migrations,
 * lint warnings) and the `--format json` result held until the command ends. `runCli` owns
 * one per run and hangs it on the command tree it parses; each command reaches it through
 * its CommandContext, so nothing here outlives a run or is shared between runs.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { jsonDocument, writeJson } from "./json_document.ts";

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;

/** What one command run has to say when it ends: its exit code and its held JSON result. */
export class CommandRun {
  #exitCode = 0;
  #held: { data: unknown; secrets: readonly string[] } | undefined;

  /** The exit code set so far (0 until a command sets one). */
  get exitCode(): number {
    return this.#exitCode;
  }

  /** Set the exit code of a run that succeeded but still has news. */
  setExitCode(code: number): void {
    this.#exitCode = code;
  }

  /** Hold the command's JSON result until the command ends (the last one held wins). */
  hold(data: unknown, secrets: readonly string[]): void {
    this.#held = { data, secrets };
  }

  /** Forget the held result: the command failed, and the failure envelope replaces it. */
  drop(): void {
    this.#held = undefined;
  }

  /**
   * End the run: print the held result, if any (without a verdict of its own, `ok` says
   * whether the exit code is 0), and return the exit code.
   */
  finish(): number {
    const held = this.#held;
    this.#held = undefined;
    if (held) writeJson(jsonDocument(held.data, this.#exitCode === 0), held.secrets);
    return this.#exitCode;
  }
}

// The property of the root command that carries its run; a key, not state.
const RUN = Symbol("confiture.run");

/** Hang `run` on the root of a command tree, for its commands to report to. */
export function attachRun(program: AnyCommand, run: CommandRun): void {
  (program as unknown as { [RUN]?: CommandRun })[RUN] = run;
}

/**
 * The run a command reports to: the one on its tree's root, or (a tree parsed without
 * `runCli`) a run of its own that nobody reads.
 */
export function runOf(command: AnyCommand): CommandRun {
  let root: AnyCommand = command;
  while (root.parent) root = root.parent as AnyCommand;
  const carrier = root as unknown as { [RUN]?: CommandRun };
  return carrier[RUN] ??= new CommandRun();
}
