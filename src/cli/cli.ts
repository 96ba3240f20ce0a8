/**
 * The command tree. Each command lives in its own file under `commands/`; this file composes
 * them, maps failures to exit codes, and turns usage errors into exit 5.
 *
 * @module
 */
import { rewriteHelp, synonymHint } from "./usage_hints.ts";
import { Command, CommanderError } from "@commander-js/extra-typings";
import { ConfitureError, EXIT, EXIT_CODE_TABLE, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { Output } from "./output.ts";
import { attachRun, CommandRun } from "./run.ts";
import { writeStderr, writeStdout } from "../platform/stdio.ts";
import { addExamples } from "./examples.ts";

/** A command of the tree, loaded only when the arguments need it (start-up stays fast). */
interface CommandEntry {
  /** `migrate` for subcommands of `migrate`, or undefined for top-level commands. */
  group?: "migrate";
  name: string;
  load: () => Promise<Command>;
}

/**
 * Every command. Add one line per command; its module is imported only when the command line
 * names it (or when help or completions need the whole tree).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    group: "migrate",
    name: "status",
    load: async () => (await import("./commands/migrate_status.ts")).migrateStatusCommand(),
  },
  {
    group: "migrate",
    name: "current",
    load: async () => (await import("./commands/migrate_current.ts")).migrateCurrentCommand(),
  },
  { group: "migrate", name: "up", load: async () => (await import("./commands/migrate_up.ts")).migrateUpCommand() },
  {
    group: "migrate",
    name: "down",
    load: async () => (await import("./commands/migrate_down.ts")).migrateDownCommand(),
  },
  {
    group: "migrate",
    name: "generate",
    load: async () => (await import("./commands/migrate_generate.ts")).migrateGenerateCommand(),
  },
  {
    group: "migrate",
    name: "baseline",
    load: async () => (await import("./commands/migrate_baseline.ts")).migrateBaselineCommand(),
  },
  {
    group: "migrate",
    name: "adopt",
    load: async () => (await import("./commands/migrate_adopt.ts")).migrateAdoptCommand(),
  },
  {
    group: "migrate",
    name: "reinit",
    load: async () => (await import("./commands/migrate_reinit.ts")).migrateReinitCommand(),
  },
  {
    group: "migrate",
    name: "verify",
    load: async () => (await import("./commands/migrate_verify.ts")).migrateVerifyCommand(),
  },
  {
    group: "migrate",
    name: "validate",
    load: async () => (await import("./commands/migrate_validate.ts")).migrateValidateCommand(),
  },
  {
    group: "migrate",
    name: "schema-to-schema",
    load: async () => (await import("./commands/schema_to_schema.ts")).schemaToSchemaCommand(),
  },
  {
    group: "migrate",
    name: "check-schema",
    load: async () => (await import("./commands/migrate_check_schema.ts")).migrateCheckSchemaCommand(),
  },
  {
    group: "migrate",
    name: "verify-reversible",
    load: async () => (await import("./commands/migrate_verify_reversible.ts")).migrateVerifyReversibleCommand(),
  },
  {
    group: "migrate",
    name: "diff",
    load: async () => (await import("./commands/migrate_diff.ts")).migrateDiffCommand(),
  },
  {
    group: "migrate",
    name: "drift",
    load: async () => (await import("./commands/migrate_drift.ts")).migrateDriftCommand(),
  },
  { name: "init", load: async () => (await import("./commands/init.ts")).initCommand() },
  { name: "build", load: async () => (await import("./commands/build.ts")).buildCommand() },
  { name: "lint", load: async () => (await import("./commands/lint.ts")).lintCommand() },
  { name: "sync", load: async () => (await import("./commands/sync.ts")).syncCommand() },
  { name: "erd", load: async () => (await import("./commands/erd.ts")).erdCommand() },
  {
    name: "completions",
    load: async () => (await import("./commands/completions.ts")).completionsCommand(() => buildProgram()),
  },
];

/**
 * Build the command tree. With `args`, only the command they name is loaded; without (or
 * when they name no single command), the whole tree is.
 */
export async function buildProgram(args?: string[]): Promise<Command> {
  const program = new Command("confiture")
    .description("PostgreSQL schema tool: build from DDL, migrate, schema-to-schema, production data sync")
    .version(`confiture ${VERSION}`, "-V, --version", "print the version")
    .option("-q, --quiet", "print only results and errors")
    .option("-v, --verbose", "print more detail on stderr")
    .option("--no-color", "disable colours")
    .option("--exit-codes", "print the exit-code table and exit")
    .showSuggestionAfterError(true);
  const migrate = new Command("migrate").description("incremental migrations: NNN_name.up.sql / .down.sql");
  program.addCommand(migrate as unknown as Command);

  const words = (args ?? []).filter((a) => !a.startsWith("-"));
  const exact = COMMANDS.find((c) => c.group ? words[0] === c.group && words[1] === c.name : words[0] === c.name);
  // `--version` alone needs no command at all; help and unknown commands need the whole tree.
  const versionOnly = args !== undefined && words.length === 0 && args.some((a) => a === "-V" || a === "--version");
  const chosen = versionOnly ? [] : args && exact ? [exact] : COMMANDS;
  const loaded = await Promise.all(chosen.map((c) => c.load()));
  chosen.forEach((c, i) => (c.group ? migrate : program).addCommand(loaded[i] as never));

  configureTree(program as unknown as Command);
  return program as unknown as Command;
}

// Every command reports usage errors through exceptions, so we decide the exit code (5); every
// command's help ends with its examples.
function configureTree(cmd: Command): void {
  cmd.exitOverride();
  addExamples(cmd);
  cmd.configureOutput({
    writeOut: (s) => writeStdout(s),
    writeErr: (s) => writeStderr(s),
    outputError: () => {},
  });
  for (const sub of cmd.commands) configureTree(sub as Command);
}

/** Run the CLI with `args` (without the program name); resolves with the exit code. */
export async function runCli(typed: string[]): Promise<number> {
  const args = rewriteHelp(typed);
  if (args.includes("--exit-codes")) {
    writeStdout(EXIT_CODE_TABLE.map((e) => `${e.code}  ${e.meaning}`).join("\n") + "\n");
    return EXIT.ok;
  }
  const program = await buildProgram(args);
  const run = new CommandRun();
  attachRun(program, run);
  const json = wantsJson(args);
  const out = new Output({
    format: json ? "json" : "text",
    quiet: false,
    verbose: args.includes("--verbose"),
    color: false,
  }, run);
  try {
    if (args.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync(args, { from: "user" });
    return run.finish();
  } catch (e) {
    return handleError(e, out, program, args);
  }
}

function handleError(e: unknown, out: Output, program: Command, args: string[]): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
      return EXIT.ok;
    }
    const usage = e.code === "commander.unknownCommand"
      ? synonymHint(args) ?? usageLine(program, args)
      : usageLine(program, args);
    const message = e.message.replace(/^error: /, "");
    out.failure(new UsageError(message.charAt(0).toUpperCase() + message.slice(1), { hint: usage }));
    return EXIT.config;
  }
  if (e instanceof ConfitureError) {
    const result = (e as { result?: unknown }).result;
    out.failure(e, result && typeof result === "object" ? result as Record<string, unknown> : undefined);
    return e.exitCode;
  }
  // Option parsers throw plain errors for bad values.
  if (e instanceof Error && e.name === "Error" && (e as { code?: string }).code === undefined && isOptionError(e)) {
    out.failure(new UsageError(e.message));
    return EXIT.config;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  out.failure(
    new ConfitureError("INTERNAL_ERROR", EXIT.failure, `Unexpected error: ${err.message}`, {
      detail: Deno.env.get("CONFITURE_DEBUG") ? err.stack : undefined,
      hint: "Set CONFITURE_DEBUG=1 for a stack trace, and please report this",
    }),
  );
  return EXIT.failure;
}

function isOptionError(e: Error): boolean {
  return /^invalid /i.test(e.message);
}

function wantsJson(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === "--format" || args[i] === "-f") && args[i + 1] === "json") return true;
    if (args[i] === "--format=json" || args[i] === "-fjson") return true;
  }
  return false;
}

function usageLine(program: Command, args: string[]): string {
  let cmd: Command = program;
  for (const a of args) {
    if (a.startsWith("-")) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    cmd = sub as Command;
  }
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent as Command | null) names.unshift(c.name());
  return `usage: ${names.join(" ")} ${cmd.usage()}`;
}
