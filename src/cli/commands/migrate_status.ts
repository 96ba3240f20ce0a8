/**
 * `confiture migrate status`: applied and pending migrations, with semantic exit codes
 * (0 up to date, 1 pending, 2 tracking table absent, 3 connection error, 5 an applied
 * migration's file is missing or its up part was edited).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import type { MigrationStatus, StatusResult } from "../../migrate/results.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
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
      ctx.setExitCode(EXIT.notInitialized);
    } else if (status.missing.length > 0 || status.edited.length > 0) {
      // The folder no longer matches what ran: a deploy script must stop here (as Flyway's validate).
      ctx.setExitCode(EXIT.config);
    } else ctx.setExitCode(status.hasPending ? EXIT.failure : EXIT.ok);
  });
  return cmd as unknown as Command;
}

function renderStatus(s: StatusResult, paint: (code: string, text: string) => string): string {
  if (s.migrations.length === 0) return "No migrations found.";
  const rows = s.migrations.map((m) => [
    `${m.version}_${m.name}`,
    `${statusText(m, paint)}${m.down_edited ? paint("33", " (down edited)") : ""}${
      m.recorded_name !== undefined ? paint("33", ` (recorded as ${m.recorded_name})`) : ""
    }`,
    m.applied_at ? m.applied_at.replace("T", " ").slice(0, 19) : "—",
  ]);
  const problems = [
    s.summary.missing > 0 ? `${s.summary.missing} missing` : "",
    s.summary.edited > 0 ? `${s.summary.edited} edited` : "",
  ].filter(Boolean).join(", ");
  const summary = `${s.summary.applied} applied${
    problems ? ` (${problems})` : ""
  }, ${s.summary.pending} pending (${s.tracking_table} on ${s.database})`;
  const hints = [
    ...s.missing.map((m) =>
      `${m.version}_${m.name}: applied, but its file is gone: restore it from version control (nothing can roll it back)`
    ),
    ...s.edited.map((m) =>
      `${m.version}_${m.name}: its up file changed since it was applied: restore it, or record the new text with \`confiture migrate verify --accept\``
    ),
    ...s.migrations.filter((m) => m.recorded_name !== undefined).map((m) =>
      `${m.version}_${m.name}: the tracking table records this version as ${m.recorded_name}; they are paired by version`
    ),
  ];
  // Why each partial run stopped, and that a rerun resumes it.
  const notes = s.migrations.filter((m) => m.stopped_at).map((m) =>
    `${m.version}_${m.name}: ${m.stopped_at!.direction} stopped before statement ${m.stopped_at!.statement} of ${
      m.stopped_at!.of
    }${m.stopped_at!.error ? ` (${m.stopped_at!.error})` : ""}; \`confiture migrate ${
      m.stopped_at!.direction
    }\` resumes it`
  );
  return `${table(["Migration", "Status", "Applied At"], rows)}\n\n${[...notes, ...hints, summary].join("\n")}`;
}

function statusText(m: MigrationStatus, paint: (code: string, text: string) => string): string {
  switch (m.status) {
    case "applied":
      return paint("32", "✓ applied");
    case "pending":
      return paint("33", "✗ pending");
    case "partial":
      return paint("31", `◐ partial${stoppedAt(m)}`);
    case "edited":
      return paint("31", "! edited since applied");
    case "missing":
      return paint("31", "! missing file");
  }
}

function stoppedAt(m: MigrationStatus): string {
  const at = m.stopped_at;
  if (!at) return "";
  return ` (statement ${at.statement} of ${at.of}${at.line !== null ? `, line ${at.line}` : ""})`;
}
