/**
 * `confiture migrate current`: the version the database is at (the newest applied
 * migration), alone on stdout for scripts; exit 2 when the tracking table does not exist.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate current` command. */
export function migrateCurrentCommand(): Command {
  const cmd = new Command("current")
    .description("print the version the database is at (exit 2 when not initialised)");
  withFormatOption(withEnvOptions(cmd)).action(async (_opts, command) => {
    const ctx = new CommandContext(command);
    await using m = await ctx.migrator();
    const status = await m.status();
    const applied = status.migrations.filter((s) => s.status === "applied" || s.status === "missing");
    const current = applied.at(-1) ?? null;
    if (!status.initialized) {
      ctx.out.info(
        `Tracking table ${status.tracking_table} does not exist yet: run \`confiture migrate up\` to create it.`,
      );
      ctx.setExitCode(EXIT.notInitialized);
    } else if (!current) ctx.out.info("No migration is applied yet.");
    ctx.out.result(
      {
        ok: true,
        initialized: status.initialized,
        tracking_table: status.tracking_table,
        version: current?.version ?? null,
        name: current?.name ?? null,
        applied_at: current?.applied_at ?? null,
      },
      () => current?.version ?? "",
    );
  });
  return cmd as unknown as Command;
}
