/**
 * `confiture build`: concatenate the schema files into one script; `--check` it is current;
 * `--apply` it to the environment's database (optionally `--fresh`), then seed.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { applyBuild, assertFreshAllowed } from "../../build/apply_build.ts";
import { buildSchema, checkSchemaBuild, defaultOutputPath, shownPath, writeSchemaBuild } from "../../build/build.ts";
import type { Environment } from "../../config/environment.ts";
import { describeTarget } from "../../db/url.ts";
import { ConfitureError, EXIT, UsageError } from "../../errors.ts";
import { resolve } from "../../platform/path.ts";
import { confirm, isTerminal } from "../../platform/stdio.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { count } from "../../plural.ts";

/** Build the `build` command. */
export function buildCommand(): Command {
  const cmd = new Command("build")
    .description("build db/schema/ into one SQL file; --apply it to the database")
    .option("-o, --output <file>", "output file (default: db/generated/schema_<env>.sql)")
    .option("--check", "exit 1 when the output file is not what a build would write")
    .option("--apply", "apply the built schema to the environment's database in one transaction, then seed")
    .option("--fresh", "with --apply: drop and recreate the database first")
    .option("--no-seeds", "with --apply: do not run db/seeds/")
    .option("-y, --yes", "do not ask before --fresh, or before --apply on a protected environment");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    if (opts.check && opts.apply) throw new UsageError("Use either --check or --apply, not both");
    if (opts.fresh && !opts.apply) throw new UsageError("--fresh only makes sense with --apply");
    const env = await ctx.environment({ offline: !opts.apply });
    const build = await buildSchema(env);
    const output = opts.output ? resolve(opts.output) : defaultOutputPath(env);
    const summary = {
      environment: env.name,
      output: shownPath(output, env.projectDir),
      file_count: build.files.length,
      hash: build.hash,
      bytes: new TextEncoder().encode(build.text).length,
    };

    if (opts.check) {
      const check = await checkSchemaBuild(build, output);
      if (!check.upToDate) ctx.setExitCode(EXIT.failure);
      ctx.out.result(
        { ok: check.upToDate, up_to_date: check.upToDate, reason: check.reason ?? null, ...summary },
        () =>
          check.upToDate
            ? `${summary.output} is up to date (${summary.file_count} files, hash ${short(build.hash)}).`
            : `${summary.output} is stale: ${check.reason}. Run \`confiture build${envFlag(env)}\`.`,
      );
      return;
    }

    await writeSchemaBuild(build, output);
    ctx.out.info(`Built ${count(summary.file_count, "file")} into ${summary.output}`);
    if (!opts.apply) {
      ctx.out.result(
        { ok: true, ...summary, files: build.files, applied: null },
        () =>
          `Built ${summary.output} from ${summary.file_count} files (${summary.bytes} bytes, hash ${
            short(build.hash)
          }).`,
      );
      return;
    }

    if (!opts.fresh) {
      // Building into a protected database is unusual enough to need a yes (or --yes).
      await ctx.confirmDestructive(env, `apply ${summary.file_count} schema files to ${describeTarget(env.target)}`);
    } else {
      await confirmFresh(env, Boolean(opts.yes));
    }
    const applied = await applyBuild(env, {
      build,
      fresh: Boolean(opts.fresh),
      seeds: opts.seeds,
      onEvent: (e) => ctx.out.event(e),
      onNotice: (m) => ctx.out.debug(`notice: ${m}`),
    });
    const seeded = applied.seeds.length;
    const result = {
      ok: true,
      ...summary,
      files: build.files,
      applied: {
        database: applied.database,
        fresh: applied.fresh,
        duration_ms: applied.durationMs,
        migrations_recorded: applied.migrationsRecorded,
        seeds: applied.seeds,
      },
    };
    ctx.out.result(result, () =>
      [
        `Applied ${summary.file_count} schema files to ${applied.database}${
          opts.fresh ? " (fresh)" : ""
        } in ${applied.durationMs} ms.`,
        applied.migrationsRecorded.length > 0
          ? `Recorded ${
            count(applied.migrationsRecorded.length, "migration")
          } as applied; \`confiture migrate up\` continues from here.`
          : "",
        seeded > 0 ? `Ran ${count(seeded, "seed file")}.` : "",
      ].filter(Boolean).join("\n"));
  });
  return cmd as unknown as Command;
}

// --fresh destroys data: never on a protected environment, and only after a yes.
async function confirmFresh(env: Environment, yes: boolean): Promise<void> {
  const what = describeTarget(env.target);
  assertFreshAllowed(env); // refused before asking
  if (yes) return;
  if (!isTerminal("stdin")) {
    throw new UsageError(`Refusing to drop and recreate ${what} without --yes (stdin is not a terminal)`);
  }
  if (!(await confirm(`Drop and recreate ${what}? All its data will be lost.`))) {
    throw new ConfitureError("CANCELLED", EXIT.failure, "Cancelled; nothing was changed");
  }
}

function envFlag(env: Environment): string {
  return env.name === "local" ? "" : ` --env ${env.name}`;
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
