/**
 * `confiture migrate adopt [--from TOOL] [--dry-run]`: take over a database that golang-migrate,
 * dbmate, goose, Flyway, sqitch or the Python Confiture migrated, by recording the versions it
 * applied in Confiture's tracking table. Runs no migration.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { ADOPT_SOURCES, adoptMigrations, type AdoptResult, type AdoptSource } from "../../migrate/adopt.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { parseDurationFlag } from "./_options.ts";
import { helpDuration, MIGRATION_DEFAULTS } from "../../config/defaults.ts";
import { agree, count } from "../../plural.ts";

/** Build the `migrate adopt` command. */
export function migrateAdoptCommand(): Command {
  const cmd = new Command("adopt")
    .description(
      "record the migrations another tool applied (golang-migrate, dbmate, goose, Flyway, sqitch) as applied",
    )
    .addOption(
      new Option("--from <tool>", "the tool whose history to read (default: the only one found)").choices(
        ADOPT_SOURCES,
      ),
    )
    .option("--dry-run", "show what would be recorded; change nothing")
    .option(
      "--lock-timeout <duration>",
      `wait this long for another deployer's lock (default ${helpDuration(MIGRATION_DEFAULTS.lockTimeoutMs)})`,
      parseDurationFlag,
    );
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment();
    await using m = await Migrator.fromEnvironment(env);
    const r = await adoptMigrations(m, {
      from: opts.from as AdoptSource | undefined,
      dryRun: Boolean(opts.dryRun),
      lockTimeoutMs: opts.lockTimeout ?? m.settings.lockTimeoutMs,
      onEvent: (e) => ctx.out.event(e),
    });
    for (const w of warnings(r)) ctx.out.warn(w);
    ctx.out.result(r, () => render(r));
  });
  return cmd as unknown as Command;
}

function warnings(r: AdoptResult): string[] {
  const out: string[] = [];
  if (r.missing_files.length > 0) {
    out.push(
      `${r.from} records ${count(r.missing_files.length, "version")} with no file in the migrations folder: ${
        r.missing_files.map((v) => v.version).join(", ")
      } (not recorded)`,
    );
  }
  if (r.not_applied_between.length > 0) {
    out.push(
      `${count(r.not_applied_between.length, "file")} ${
        agree(r.not_applied_between.length, "lies", "lie")
      } between adopted versions but ${r.from} never applied them: ${
        r.not_applied_between.map((f) => `${f.version}_${f.name}`).join(", ")
      } (left pending; \`migrate up --allow-out-of-order\` applies them)`,
    );
  }
  return out;
}

function render(r: AdoptResult): string {
  const verb = r.dry_run ? "Would record" : "Recorded";
  const lines = [
    `${verb} ${count(r.adopted.length, "migration")} applied by ${r.from} (${r.source_table}) in ${r.tracking_table}` +
    (r.adopted.length ? ":" : "."),
    ...r.adopted.map((a) =>
      `  ${a.version}_${a.name}${a.recorded_as !== a.version ? ` (recorded by ${r.from} as ${a.recorded_as})` : ""}`
    ),
  ];
  if (r.already_recorded.length) lines.push(`${r.already_recorded.length} already recorded.`);
  lines.push(
    r.pending.length ? `${r.pending.length} pending: \`migrate up\` applies ${r.pending.join(", ")}.` : "None pending.",
  );
  return lines.join("\n");
}
