/**
 * Shared pieces of the `migrate schema-to-schema` subcommands: the options every subcommand
 * takes, opening both ends, progress rendering.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../errors.ts";
import type { ConfitureEvent } from "../../events.ts";
import { getEnv } from "../../platform/env.ts";
import { animationEnabled } from "../output.ts";
import { writeStderr } from "../../platform/stdio.ts";
import { SchemaToSchema } from "../../schema_to_schema/schema_to_schema.ts";
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

/** Load both environments and open both ends: --source, --target and --mapping. */
export async function openEnds(ctx: CommandContext): Promise<SchemaToSchema> {
  const sourceEnv = await ctx.namedEnvironment(String(ctx.opts.source));
  const targetEnv = await ctx.namedEnvironment(String(ctx.opts.target));
  return await SchemaToSchema.open(sourceEnv, targetEnv, {
    mapping: ctx.opts.mapping as string | undefined,
    onNotice: (m) => ctx.out.debug(`notice: ${m}`),
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
