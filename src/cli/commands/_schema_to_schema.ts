/**
 * Shared pieces of the `migrate schema-to-schema` subcommands: the options every subcommand
 * takes, opening both environments, loading and planning the mapping, progress rendering.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { Environment } from "../../config/environment.ts";
import type { Database } from "../../db/database.ts";
import { UsageError } from "../../errors.ts";
import type { ConfitureEvent } from "../../events.ts";
import { getEnv } from "../../platform/env.ts";
import { animationEnabled } from "../output.ts";
import { resolve } from "../../platform/path.ts";
import { writeStderr } from "../../platform/stdio.ts";
import {
  type DataPath,
  loadMappingFile,
  type MappingFile,
  planTables,
  type TablePlan,
} from "../../schema_to_schema/mod.ts";
import { type CommandContext, withFormatOption } from "../context.ts";
import { ProgressRenderer } from "../progress.ts";

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;

/** Add --source, --target, --project-dir, --mapping and --format. */
export function withEnds<C extends AnyCommand>(cmd: C, options: { mapping?: boolean } = { mapping: true }): C {
  cmd
    .requiredOption("--source <env>", "environment of the live database to copy from")
    .requiredOption("--target <env>", "environment of the new database to copy into")
    .option("--project-dir <dir>", "project root that relative paths start from (default: .)");
  if (options.mapping) cmd.option("--mapping <file>", "mapping file (default: db/schema_to_schema.yaml)");
  return withFormatOption(cmd);
}

/** A flag parser for whole numbers of at least 1. */
export function parsePositive(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
      throw new UsageError(`${name} must be a whole number of at least 1, got "${value}"`);
    }
    return Number(value);
  };
}

/** A flag parser for comma-separated lists (repeatable). */
export function parseList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

/** The two environments, their settings and open databases, closed on dispose. */
export interface Session extends AsyncDisposable {
  sourceEnv: Environment;
  targetEnv: Environment;
  source: Database;
  target: Database;
  staging: string;
  settings: Environment["file"]["schema_to_schema"];
}

/** Load both environments and open both databases. */
export async function openEnds(ctx: CommandContext): Promise<Session> {
  const sourceEnv = await ctx.namedEnvironment(String(ctx.opts.source));
  const targetEnv = await ctx.namedEnvironment(String(ctx.opts.target));
  if (sourceEnv.target.kind !== "server") {
    throw new UsageError(`Source environment "${sourceEnv.name}" must be a PostgreSQL server, not PGlite`);
  }
  const source = await ctx.database(sourceEnv);
  let target: Database;
  try {
    target = await ctx.database(targetEnv);
  } catch (e) {
    await source.close();
    throw e;
  }
  const settings = targetEnv.file.schema_to_schema;
  return {
    sourceEnv,
    targetEnv,
    source,
    target,
    staging: settings.staging_schema,
    settings,
    async [Symbol.asyncDispose]() {
      await target.close();
      await source.close();
    },
  };
}

/** Load the mapping file: --mapping, else the target's schema_to_schema.mapping_file. */
export async function mappingFor(ctx: CommandContext, s: Session): Promise<MappingFile> {
  const given = ctx.opts.mapping as string | undefined;
  const path = given ? resolve(given) : resolve(s.settings.mapping_file, s.targetEnv.projectDir);
  return await loadMappingFile(path, given ?? s.settings.mapping_file);
}

/** Check the mapping against both databases and return the table plans. */
export async function plansFor(ctx: CommandContext, s: Session, strategy?: DataPath): Promise<TablePlan[]> {
  const mapping = await mappingFor(ctx, s);
  return await planTables(s.source, s.target, mapping, {
    strategy: strategy ?? s.settings.strategy,
    tables: ctx.opts.tables as string[] | undefined,
  });
}

/** Progress bars on stderr (redrawn on a terminal; one line per table otherwise). */
export function progressRenderer(ctx: CommandContext): (e: ConfitureEvent) => void {
  const bars = new ProgressRenderer({
    tty: animationEnabled(getEnv),
    verbose: ctx.out.options.verbose,
    quiet: ctx.out.options.quiet,
    write: writeStderr,
  });
  return (e) => {
    if (!bars.event(e)) {
      bars.close();
      ctx.out.event(e);
    }
  };
}

/** A size in bytes for humans. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) [v, i] = [v / 1024, i + 1];
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The fdw strategy needs the foreign table that setup imports: say so before copying. */
export async function requireStaging(s: Session, plan: TablePlan): Promise<void> {
  const [row] = await s.target.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [
    `"${s.staging}"."${plan.source.name.replaceAll('"', '""')}"`,
  ]);
  if (!row.ok) {
    throw new UsageError(`The fdw strategy needs the foreign table ${s.staging}.${plan.source.name}`, {
      hint: "run `confiture migrate schema-to-schema setup` first, or use --strategy copy",
    });
  }
}
