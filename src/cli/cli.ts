/**
 * The command tree. Each command lives in its own file under `commands/`; this file composes
 * them, maps failures to exit codes, and turns usage errors into exit 5.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { ConfitureError, EXIT, EXIT_CODE_TABLE, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { Output } from "./output.ts";
import { setExitCode, takeExitCode } from "./context.ts";
import { writeStderr, writeStdout } from "../platform/stdio.ts";
import { migrateStatusCommand } from "./commands/migrate_status.ts";
import { migrateUpCommand } from "./commands/migrate_up.ts";
import { migrateDownCommand } from "./commands/migrate_down.ts";
import { migrateGenerateCommand } from "./commands/migrate_generate.ts";
import { migrateBaselineCommand } from "./commands/migrate_baseline.ts";
import { migrateReinitCommand } from "./commands/migrate_reinit.ts";
import { migrateVerifyCommand } from "./commands/migrate_verify.ts";
import { migrateValidateCommand } from "./commands/migrate_validate.ts";
// Medium commands: one import each.
import { schemaToSchemaCommand } from "./commands/schema_to_schema.ts";
import { buildCommand } from "./commands/build.ts";
import { initCommand } from "./commands/init.ts";
import { migrateCheckSchemaCommand } from "./commands/migrate_check_schema.ts";
import { lintCommand } from "./commands/lint.ts";
import { migrateVerifyReversibleCommand } from "./commands/migrate_verify_reversible.ts";
import { syncCommand } from "./commands/sync.ts";

/** Build the whole command tree. */
export function buildProgram(): Command {
  const program = new Command("confiture")
    .description("PostgreSQL schema tool: build from DDL, migrate, schema-to-schema, production data sync")
    .version(`confiture ${VERSION}`, "-V, --version", "print the version")
    .option("-q, --quiet", "print only results and errors")
    .option("-v, --verbose", "print more detail on stderr")
    .option("--no-color", "disable colours")
    .option("--exit-codes", "print the exit-code table and exit")
    .showSuggestionAfterError(true);

  const migrate = new Command("migrate").description("incremental migrations: NNN_name.up.sql / .down.sql");
  migrate.addCommand(migrateStatusCommand());
  migrate.addCommand(migrateUpCommand());
  migrate.addCommand(migrateDownCommand());
  migrate.addCommand(migrateGenerateCommand());
  migrate.addCommand(migrateBaselineCommand());
  migrate.addCommand(migrateReinitCommand());
  migrate.addCommand(migrateVerifyCommand());
  migrate.addCommand(migrateValidateCommand());
  // Migrate subcommands of other mediums: one line each.
  migrate.addCommand(schemaToSchemaCommand());
  migrate.addCommand(migrateCheckSchemaCommand());
  migrate.addCommand(migrateVerifyReversibleCommand());
  program.addCommand(migrate as unknown as Command);
  // Top-level commands of other mediums: one line each.
  program.addCommand(initCommand());
  program.addCommand(buildCommand());
  program.addCommand(lintCommand());
  program.addCommand(syncCommand());

  configureTree(program as unknown as Command);
  return program as unknown as Command;
}

// Every command reports usage errors through exceptions, so we decide the exit code (5).
function configureTree(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => writeStdout(s),
    writeErr: (s) => writeStderr(s),
    outputError: () => {},
  });
  for (const sub of cmd.commands) configureTree(sub as Command);
}

/** Run the CLI with `args` (without the program name); resolves with the exit code. */
export async function runCli(args: string[]): Promise<number> {
  if (args.includes("--exit-codes")) {
    writeStdout(EXIT_CODE_TABLE.map((e) => `${e.code}  ${e.meaning}`).join("\n") + "\n");
    return EXIT.ok;
  }
  const program = buildProgram();
  const json = wantsJson(args);
  const out = new Output({
    format: json ? "json" : "text",
    quiet: false,
    verbose: args.includes("--verbose"),
    color: false,
  });
  try {
    if (args.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync(args, { from: "user" });
    return takeExitCode();
  } catch (e) {
    takeExitCode();
    return handleError(e, out, program, args);
  }
}

function handleError(e: unknown, out: Output, program: Command, args: string[]): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
      return EXIT.ok;
    }
    const usage = usageLine(program, args);
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

export { setExitCode };
