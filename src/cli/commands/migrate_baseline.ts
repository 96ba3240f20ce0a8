/**
 * `confiture migrate baseline --through VERSION`: adopt an existing database by marking
 * migrations applied without running them.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate baseline` command. */
export function migrateBaselineCommand(): Command {
  const cmd = new Command("baseline")
    .description("mark migrations through VERSION as applied without running them")
    .requiredOption("--through <version>", "last version to mark (e.g. 004 or 004_add_user_preferences)")
    .option("--dry-run", "show what would be marked; change nothing");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using m = await ctx.migrator();
    const r = await m.baseline({ through: opts.through, dryRun: opts.dryRun });
    ctx.out.result(
      r,
      () =>
        `${r.dry_run ? "Would mark" : "Marked"} ${count(r.marked.length, "migration")} as applied` +
        (r.marked.length ? `: ${r.marked.join(", ")}` : "") +
        (r.already_applied.length ? `; ${r.already_applied.length} already applied` : "") + ".",
    );
  });
  return cmd as unknown as Command;
}
