/**
 * `confiture migrate verify-reversible`: replay every migration up → down → up on a scratch
 * database (in-memory PGlite, or a temporary database on the server of `--against URL`) and
 * report each down that does not restore the schema. Exit 1 when any does not.
 *
 * It never connects to the environment's database: the environment only says where the
 * migrations are.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT, UsageError } from "../../errors.ts";
import { parseDatabaseUrl } from "../../db/url.ts";
import { getEnv } from "../../platform/env.ts";
import { openScratchDatabase } from "../../lint/scratch_database.ts";
import { extensionsCreatedByMigrations } from "../../build/extensions.ts";
import { verifyReversible, type VerifyReversibleResult } from "../../migrate/verify_reversible.ts";
import { CommandContext, withFormatOption } from "../context.ts";

/** Build the `migrate verify-reversible` command. */
export function migrateVerifyReversibleCommand(): Command {
  const cmd = new Command("verify-reversible")
    .description("replay each migration up, down, up on a scratch database and check the down restores the schema")
    .option("--against <url>", "create the scratch database on this server (postgres://…) instead of PGlite")
    .option("-e, --env <name>", "environment whose migrations folder to use (default: local)")
    .option("-c, --config <file>", "environment file to use instead of --env")
    .option("--project-dir <dir>", "project root that relative paths start from (default: .)");
  withFormatOption(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    let target;
    if (opts.against !== undefined) {
      target = parseDatabaseUrl(opts.against, getEnv);
      if (target.kind !== "server") {
        throw new UsageError("--against needs a postgres:// URL; without it an in-memory PGlite is used");
      }
      if (target.password) ctx.out.addSecrets([target.password]);
    }
    const env = await ctx.environment({ offline: true });
    await using scratch = await openScratchDatabase(target, {
      extensions: target ? [] : await extensionsCreatedByMigrations(env.migrationsDir),
    });
    ctx.out.info(`Replaying migrations up, down, up on ${scratch.label}…`);
    const result = await verifyReversible(scratch.db, {
      migrationsDir: env.migrationsDir,
      projectDir: env.projectDir,
      trackingTable: env.migration.trackingTable,
      onEvent: (e) => ctx.out.event(e),
    });
    ctx.out.result(result, () => render(result));
    ctx.setExitCode(result.ok ? EXIT.ok : EXIT.failure);
  });
  return cmd as unknown as Command;
}

function render(r: VerifyReversibleResult): string {
  const lines: string[] = [];
  for (const m of r.migrations) {
    const id = `${m.version}_${m.name}`;
    if (m.status === "reversible") lines.push(`✓ ${id}: down restores the schema`);
    else if (m.status === "no-down") lines.push(`- ${id}: no .down.sql (not checked)`);
    else if (m.status === "not-checked") lines.push(`- ${id}: not checked (an earlier migration failed)`);
    else if (m.status === "irreversible") lines.push(`✗ ${id}: down does not restore the schema`);
    if (m.diff) lines.push(...m.diff.split("\n").map((l) => `    ${l}`));
    if (m.error) {
      const e = m.error;
      const where = `${e.file}${e.line !== null ? `:${e.line}:${e.column}` : ""}`;
      const failed = `${m.step} failed: ${e.message.includes(where) ? "" : `${where}: `}${e.message}`;
      lines.push(m.status === "failed" ? `✗ ${id}: ${failed}` : `    then ${failed}; replay stops here`);
    }
  }
  const s = r.summary;
  lines.push(
    "",
    `${s.reversible} reversible, ${s.irreversible} irreversible, ${s.failed} failed, ${s.noDown} without down` +
      (s.notChecked ? `, ${s.notChecked} not checked` : "") + ` (${r.database})`,
  );
  return lines.join("\n");
}
