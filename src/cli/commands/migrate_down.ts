/**
 * `confiture migrate down`: roll back the most recent migrations.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { DownResult } from "../../migrate/results.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { parseDurationFlag, parseSteps } from "./_options.ts";
import { interruptSignal } from "../interrupt.ts";
import { migrationEvents } from "../migration_progress.ts";
import { helpDuration, MIGRATION_DEFAULTS } from "../../config/defaults.ts";
import { count } from "../../plural.ts";

/** Build the `migrate down` command. */
export function migrateDownCommand(): Command {
  const cmd = new Command("down")
    .description("roll back applied migrations with their .down.sql files (default: the last one)")
    .option("--steps <n>", "roll back N migrations", parseSteps)
    .option("--target <version>", "roll back every migration newer than VERSION (0: all)", (v) => {
      if (!/^\d+$/.test(v)) throw new Error(`invalid version "${v}"`);
      return v;
    })
    .option("--dry-run", "show the SQL that would run; change nothing")
    .option("-y, --yes", "do not ask for confirmation on protected environments")
    .option(
      "--lock-timeout <duration>",
      `wait this long for another deployer's lock (default ${helpDuration(MIGRATION_DEFAULTS.lockTimeoutMs)})`,
      parseDurationFlag,
    );
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment();
    if (opts.lockTimeout !== undefined) env.migration.lockTimeoutMs = opts.lockTimeout;
    if (!opts.dryRun) await ctx.confirmDestructive(env, "Roll back migrations");
    using interrupt = interruptSignal();
    // Disposed when the action ends, so the live line is gone before an error prints.
    using progress = migrationEvents(ctx.out);
    await using m = await Migrator.fromEnvironment(env, { onEvent: progress.onEvent });
    const result = await m.down({
      steps: opts.steps,
      target: opts.target,
      dryRun: opts.dryRun,
      signal: interrupt.signal,
    });
    ctx.out.result(result, () => renderDown(result));
  });
  return cmd as unknown as Command;
}

function renderDown(r: DownResult): string {
  if (r.dry_run) {
    if (!r.plan?.length) return "Nothing to roll back.";
    return `Dry run: ${count(r.plan.length, "migration")} would be rolled back.\n\n${
      r.plan.map((p) => `-- ${p.file}\n${p.sql}`).join("\n\n")
    }`;
  }
  if (r.rolled_back.length === 0) return "Nothing to roll back.";
  return `Rolled back ${count(r.rolled_back.length, "migration")} in ${r.total_duration_ms} ms.`;
}
