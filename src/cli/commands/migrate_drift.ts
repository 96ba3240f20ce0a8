/**
 * `confiture migrate drift`: report what was changed by hand on the environment's database,
 * against its applied migrations replayed on a scratch database. Exit 0 clean, 1 drift.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { formatCatalogDiff } from "../../catalog/diff.ts";
import type { Environment } from "../../config/environment.ts";
import { detectDrift, type DriftResult } from "../../diff/drift.ts";
import { parseDatabaseUrl } from "../../db/url.ts";
import { ConfitureError, EXIT, UsageError } from "../../errors.ts";
import { getEnv } from "../../platform/env.ts";
import { count } from "../../plural.ts";
import type { Output } from "../output.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { openDatabase } from "../../db/open.ts";

/** Build the `migrate drift` command. */
export function migrateDriftCommand(): Command {
  const cmd = new Command("drift")
    .description("compare the database with its applied migrations replayed from scratch (exit 1 on drift)")
    .option("--against <url>", "replay on a scratch database of this server instead of embedded PGlite");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment();
    const result = await driftOf(env, ctx.out, opts.against);
    ctx.setExitCode(result.ok ? EXIT.ok : EXIT.failure);
    ctx.out.result(driftJson(result), () => renderDrift(result));
  });
  return cmd as unknown as Command;
}

/** Run the drift check on the environment's database. */
export async function driftOf(env: Environment, out: Output, against?: string): Promise<DriftResult> {
  let target;
  if (against !== undefined) {
    target = parseDatabaseUrl(against, getEnv);
    if (target.kind !== "server") throw new UsageError("--against needs a postgres:// URL");
    if (target.password) out.addSecrets([target.password]);
  }
  await using db = await openDatabase(env.target);
  return await detectDrift(db, {
    migrationsDir: env.migrationsDir,
    projectDir: env.projectDir,
    trackingTable: env.migration.trackingTable,
    against: target,
    onEvent: (e) => out.event(e),
  });
}

/** Refuse to go on when the environment's database has drifted (`migrate up --check-drift`). */
export async function assertNoDrift(env: Environment, out: Output): Promise<void> {
  const result = await driftOf(env, out);
  if (result.ok) return;
  throw new ConfitureError(
    "DRIFT_DETECTED",
    EXIT.failure,
    `The database has drifted from its applied migrations; nothing was applied:\n${renderDrift(result)}`,
    {
      hint: "Undo the hand-made changes, or capture them in a migration; run without --check-drift to apply anyway",
      details: { differences: driftJson(result).differences },
    },
  );
}

/** The JSON form; its keys become snake_case on the common path (json_document.ts). */
export function driftJson(r: DriftResult) {
  return { ok: r.ok, engine: r.engine, version: r.version, applied: r.applied, differences: r.differences };
}

function renderDrift(r: DriftResult): string {
  const through = r.version === null ? "no migration applied" : `${r.applied} applied, through ${r.version}`;
  if (r.ok) return `No drift: the database matches its migrations (${through}; replayed on ${r.engine}).`;
  return `Drift: ${count(r.differences.length, "difference")} from the migrations (${through}):\n\n${
    formatCatalogDiff(r.differences, { expected: "migrations", actual: "database" })
  }`;
}
