/**
 * The one seam that turns global options, flags and the environment into library objects:
 * an Output, an Environment, an open Database, a Migrator.
 *
 * @module
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { loadEnvironment } from "../config/load.ts";
import type { Environment } from "../config/environment.ts";
import { ConfitureError, UsageError } from "../errors.ts";
import { getEnv } from "../platform/env.ts";
import { colorEnabled, type Format, Output } from "./output.ts";
import { Migrator } from "../migrate/migrator.ts";
import { openDatabase } from "../db/open.ts";
import type { Database } from "../db/database.ts";
import { confirm, isTerminal } from "../platform/stdio.ts";
import { type CommandRun, runOf } from "./run.ts";

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;

/** Add the options that select an environment: --env, -c/--config, --database-url, --project-dir. */
export function withEnvOptions<C extends AnyCommand>(cmd: C): C {
  cmd
    .option("-e, --env <name>", "environment: db/environments/<name>.yaml (default: local)")
    .option("-c, --config <file>", "environment file to use instead of --env")
    .option("--database-url <url>", "connection URL; overrides CONFITURE_DATABASE_URL and the file")
    .option(
      "--project-dir <dir>",
      "project root that relative paths start from (default: the project of -c FILE, else .)",
    );
  return cmd;
}

/** Add `-f, --format text|json` (and the command's own extra formats, rendered as text by Output). */
export function withFormatOption<C extends AnyCommand>(cmd: C, extra: readonly string[] = []): C {
  cmd.addOption(
    new Option("-f, --format <format>", "output format").choices(["text", "json", ...extra]).default("text"),
  );
  return cmd;
}

/** The state a command action works with. */
export class CommandContext {
  readonly out: Output;
  readonly opts: Record<string, unknown>;
  /** The run this command reports its exit code and result to. */
  readonly run: CommandRun;

  constructor(command: AnyCommand) {
    this.opts = command.optsWithGlobals() as Record<string, unknown>;
    this.run = runOf(command);
    const format = (this.opts.format as Format | undefined) ?? "text";
    this.out = new Output({
      format,
      quiet: Boolean(this.opts.quiet),
      verbose: Boolean(this.opts.verbose),
      color: this.opts.color !== false && colorEnabled(getEnv),
    }, this.run);
  }

  /** Set the exit code of a run that succeeded but still has news (pending, warnings). */
  setExitCode(code: number): void {
    this.run.setExitCode(code);
  }

  /** Load the selected environment; its passwords are registered for redaction. */
  async environment(options: { offline?: boolean } = {}): Promise<Environment> {
    const env = await loadEnvironment({
      env: this.opts.env as string | undefined,
      configFile: this.opts.config as string | undefined,
      databaseUrl: this.opts.databaseUrl as string | undefined,
      projectDir: this.opts.projectDir as string | undefined,
      offline: options.offline,
    });
    this.out.addSecrets(env.secrets);
    return env;
  }

  /** Load a named environment other than the selected one (e.g. `sync --from prod`). */
  async namedEnvironment(name: string): Promise<Environment> {
    const env = await loadEnvironment({ env: name, projectDir: this.opts.projectDir as string | undefined });
    this.out.addSecrets(env.secrets);
    return env;
  }

  /** Open the environment's database. */
  async database(env: Environment): Promise<Database> {
    return await openDatabase(env.target, { onNotice: (m) => this.out.debug(`notice: ${m}`) });
  }

  /** A Migrator for the selected environment, reporting progress on stderr. */
  async migrator(): Promise<Migrator> {
    const env = await this.environment();
    return Migrator.fromEnvironment(env, { onEvent: (e) => this.out.event(e) });
  }

  /**
   * Ask before a destructive action on a protected environment. On a terminal it asks; with
   * stdin not a terminal it refuses unless --yes was given.
   */
  async confirmDestructive(env: Environment, action: string): Promise<void> {
    if (!env.protected || this.opts.yes) return;
    if (!isTerminal("stdin")) {
      throw new UsageError(
        `Refusing to ${action.charAt(0).toLowerCase()}${
          action.slice(1)
        } on protected environment "${env.name}" without --yes`,
      );
    }
    if (!(await confirm(`Environment "${env.name}" is protected. ${action}?`))) {
      throw new ConfitureError("CANCELLED", 1, "Cancelled; nothing was changed");
    }
  }
}
