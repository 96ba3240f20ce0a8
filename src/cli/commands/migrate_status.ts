/**
 * `confiture migrate status`: applied and pending migrations, with semantic exit codes
 * (0 up to date, 1 pending, 2 tracking table absent, 3 connection error).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import type { StatusResult } from "../../migrate/results.ts";
import { CommandContext, setExitCode, withEnvOptions, withFormatOption } from "../context.ts";
import { table } from "../table.ts";

/** Build the `migrate status` command. */
export function migrateStatusCommand(): Command {
  const cmd = new Command("status").description("show applied and pending migrations (read-only)");
  withFormatOption(withEnvOptions(cmd)).action(async (_opts, command) => {
    const ctx = new CommandContext(command);
    await using m = await ctx.migrator();
    const status = await m.status();
    ctx.out.result(status, () => renderStatus(status, ctx.out.paint.bind(ctx.out)));
    if (!status.initialized) {
      ctx.out.info(
        `Tracking table ${status.tracking_table} does not exist yet: run \`confiture migrate up\` to create it.`,
      );
      setExitCode(EXIT.notInitialized);
    } else setExitCode(status.hasPending ? EXIT.failure : EXIT.ok);
  });
  return cmd as unknown as Command;
}

function renderStatus(s: StatusResult, paint: (code: string, text: string) => string): string {
  if (s.migrations.length === 0) return "No migrations found.";
  const rows = s.migrations.map((m) => [
    `${m.version}_${m.name}`,
    m.status === "applied"
      ? paint("32", "✓ applied")
      : m.status === "pending"
      ? paint("33", "✗ pending")
      : m.status === "partial"
      ? paint("31", "◐ partial")
      : paint("31", "! missing file"),
    m.applied_at ? m.applied_at.replace("T", " ").slice(0, 19) : "—",
  ]);
  const summary = `${s.summary.applied} applied, ${s.summary.pending} pending (${s.tracking_table})`;
  return `${table(["Migration", "Status", "Applied At"], rows)}\n\n${summary}`;
}
