/**
 * `confiture migrate generate NAME`: create the next `.up.sql` / `.down.sql` pair.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { generateMigration } from "../../migrate/generate.ts";
import { relative } from "../../platform/path.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate generate` command. */
export function migrateGenerateCommand(): Command {
  const cmd = new Command("generate")
    .description("create the next migration: NNN_NAME.up.sql and NNN_NAME.down.sql")
    .argument("<name>", "snake_case name, e.g. add_bio_to_users")
    .option("--dry-run", "print the file names without creating them");
  withFormatOption(withEnvOptions(cmd)).action(async (name, opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment({ offline: true });
    const shown = relative(env.projectDir, env.migrationsDir);
    const result = await generateMigration(env.migrationsDir, name, {
      dryRun: opts.dryRun,
      shownDir: shown.startsWith("..") ? env.migrationsDir : shown,
    });
    ctx.out.result(
      result,
      () => `${opts.dryRun ? "Would create" : "Created"}:\n  ${result.up_file}\n  ${result.down_file}`,
    );
  });
  return cmd as unknown as Command;
}
