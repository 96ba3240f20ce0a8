/**
 * `confiture migrate up`: apply pending migrations.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import type { UpResult } from "../../migrate/results.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { parseDurationFlag, parseSteps, parseVersion } from "./_options.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { preloadParser } from "../../sql/parser.ts";
import { UsageError } from "../../errors.ts";
import { interruptSignal } from "../interrupt.ts";
import { migrationEvents } from "../migration_progress.ts";
import { helpDuration, MIGRATION_DEFAULTS } from "../../config/defaults.ts";

/** Build the `migrate up` command. */
export function migrateUpCommand(): Command {
  const cmd = new Command("up")
    .description("apply pending migrations, each in its own transaction")
    .option("--steps <n>", "apply at most N migrations", parseSteps)
    .option("--target <version>", "apply up to and including VERSION", parseVersion)
    .option("--dry-run", "show the SQL that would run; change nothing")
    .option("--allow-out-of-order", "apply pending migrations older than the newest applied one")
    .option(
      "--lock-timeout <duration>",
      `wait this long for another deployer's lock (default ${helpDuration(MIGRATION_DEFAULTS.lockTimeoutMs)})`,
      parseDurationFlag,
    )
    .option(
      "--allow <rule[=reason]>",
      "allow a lint rule for this run, recording the reason (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--no-lint", "skip the lock-aware lint that runs before applying (never the deployment-lock check)")
    .option("--check-drift", "refuse to apply when the database differs from its applied migrations (exit 1)");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    // Up parses every pending file: its parser loads while the connection opens.
    preloadParser();
    const env = await ctx.environment();
    if (opts.lockTimeout !== undefined) env.migration.lockTimeoutMs = opts.lockTimeout;
    let allow: Map<string, string> | undefined;
    if (opts.allow?.length) {
      const { parseAllowFlags } = await import("../../lint/allow.ts");
      const parsed = parseAllowFlags(opts.allow);
      if (parsed.unknown.length > 0) {
        throw new UsageError(`Unknown lint rules in --allow: ${parsed.unknown.join(", ")}`);
      }
      allow = parsed.allow;
    }
    if (opts.checkDrift && !opts.dryRun) {
      const { assertNoDrift } = await import("./migrate_drift.ts");
      await assertNoDrift(env, ctx.out);
    }
    using interrupt = interruptSignal();
    // Disposed when the action ends, so the live line is gone before an error prints.
    using progress = migrationEvents(ctx.out);
    await using m = await Migrator.fromEnvironment(env, { onEvent: progress.onEvent });
    const result = await m.up({
      signal: interrupt.signal,
      steps: opts.steps,
      target: opts.target,
      dryRun: opts.dryRun,
      allowOutOfOrder: opts.allowOutOfOrder,
      lint: opts.lint,
      allow,
    });
    ctx.out.result(result, () => renderUp(result));
  });
  return cmd as unknown as Command;
}

function renderUp(r: UpResult): string {
  if (r.dry_run) {
    if (!r.plan?.length) return "Nothing to apply: the database is up to date.";
    const parts = r.plan.map((p) => `-- ${p.file}\n${p.sql}`);
    return `Dry run: ${count(r.plan.length, "migration")} would be applied.\n\n${parts.join("\n\n")}`;
  }
  if (r.applied.length === 0) return "Nothing to apply: the database is up to date.";
  const skipped = r.skipped.length > 0 ? `; ${r.skipped.length} pending left for later` : "";
  return `Applied ${count(r.applied.length, "migration")} in ${r.total_duration_ms} ms${skipped}.`;
}
