/**
 * `confiture migrate status`: applied and pending migrations, with semantic exit codes
 * (0 up to date, 1 pending, 2 tracking table absent, 3 connection error).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import type { MigrationStatus, StatusResult } from "../../migrate/results.ts";
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
      ? paint("31", `◐ partial${stoppedAt(m)}`)
      : paint("31", "! missing file"),
    m.applied_at ? m.applied_at.replace("T", " ").slice(0, 19) : "—",
  ]);
  const summary = `${s.summary.applied} applied, ${s.summary.pending} pending (${s.tracking_table})`;
  // Why each partial run stopped, and that a rerun resumes it.
  const notes = s.migrations.filter((m) => m.stopped_at).map((m) =>
    `${m.version}_${m.name}: ${m.stopped_at!.direction} stopped before statement ${m.stopped_at!.statement} of ${
      m.stopped_at!.of
    }${m.stopped_at!.error ? ` (${m.stopped_at!.error})` : ""}; \`confiture migrate ${
      m.stopped_at!.direction
    }\` resumes it`
  );
  return `${table(["Migration", "Status", "Applied At"], rows)}\n\n${[...notes, summary].join("\n")}`;
}

function stoppedAt(m: MigrationStatus): string {
  const at = m.stopped_at;
  if (!at) return "";
  return ` (statement ${at.statement} of ${at.of}${at.line !== null ? `, line ${at.line}` : ""})`;
}
