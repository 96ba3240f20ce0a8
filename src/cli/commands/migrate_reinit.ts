/**
 * `confiture migrate reinit`: rebuild the tracking rows from the migration files.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { count } from "../../plural.ts";

/** Build the `migrate reinit` command. */
export function migrateReinitCommand(): Command {
  const cmd = new Command("reinit")
    .description("delete the tracking rows and mark every migration file (or through VERSION) as applied")
    .option("--through <version>", "last version to mark")
    .option("--dry-run", "show what would change; change nothing")
    .option("-y, --yes", "do not ask for confirmation on protected environments");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment();
    if (!opts.dryRun) await ctx.confirmDestructive(env, "Rewrite the tracking table");
    await using m = await Migrator.fromEnvironment(env, { onEvent: (e) => ctx.out.event(e) });
    const r = await m.reinit({ through: opts.through, dryRun: opts.dryRun });
    ctx.out.result(
      r,
      () =>
        `${r.dry_run ? "Would delete" : "Deleted"} ${count(r.deleted, "tracking row")} and ${
          r.dry_run ? "mark" : "marked"
        } ${count(r.marked.length, "migration")} as applied.`,
    );
  });
  return cmd as unknown as Command;
}
