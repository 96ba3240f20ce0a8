/**
 * `baseline` and `reinit`: the workflows that write tracking rows without running any file
 * (adopting a database whose schema exists; rebuilding the rows after squashing or
 * renumbering). Kept apart from the Migrator, which delegates to them, so its entry stays a
 * list of workflows; they take the lock like every other writer.
 *
 * @module
 */
import type { Database, ReservedSession } from "../db/database.ts";
import { type MigrationFile, MigrationTexts } from "./files.ts";
import type { LockedSessions } from "./locked_session.ts";
import type { MigrationSource } from "./migration_source.ts";
import type { BaselineResult, ReinitResult } from "./results.ts";
import { filesThrough, findApplied } from "./through.ts";
import type { TrackingTable } from "./tracking_table.ts";

/** What the row workflows need of the Migrator. */
export interface RowsContext {
  database: Database;
  tracking: TrackingTable;
  source: MigrationSource;
  sessions: LockedSessions;
  /** The migration files, in version order. */
  files: MigrationFile[];
}

/** Mark the files through `through` applied without running them. */
export async function markBaseline(
  ctx: RowsContext,
  options: { through: string; dryRun?: boolean },
): Promise<BaselineResult> {
  const { tracking } = ctx;
  const chosen = filesThrough(ctx.files, options.through);
  const run = async (session: ReservedSession | Database, dryRun: boolean) => {
    const where = await tracking.locate(session);
    const applied = where.exists ? await tracking.applied(session, where.optionalColumns) : [];
    const already = chosen.filter((f) => findApplied(applied, f.version));
    const toMark = chosen.filter((f) => !findApplied(applied, f.version));
    if (!dryRun) {
      await tracking.ensure(session);
      await session.transaction(async (tx) => {
        const texts = new MigrationTexts();
        for (const f of toMark) await tracking.record(tx, ctx.source.recordFor(f, texts, "baseline"));
      });
    }
    return { marked: toMark.map((f) => f.version), already_applied: already.map((f) => f.version), dry_run: dryRun };
  };
  if (options.dryRun) return await run(ctx.database, true);
  return await ctx.sessions.run(undefined, (session) => run(session, false));
}

/** Replace every tracking row by rows for the files (through `through`). */
export async function rebuildRows(
  ctx: RowsContext,
  options: { through?: string; dryRun?: boolean },
): Promise<ReinitResult> {
  const { tracking } = ctx;
  const chosen = options.through === undefined ? ctx.files : filesThrough(ctx.files, options.through);
  const run = async (session: ReservedSession | Database, dryRun: boolean) => {
    const where = await tracking.locate(session);
    if (dryRun) {
      const rows = where.exists ? await tracking.applied(session, where.optionalColumns) : [];
      return { deleted: rows.length, marked: chosen.map((f) => f.version), dry_run: true };
    }
    await tracking.ensure(session);
    let deleted = 0;
    await session.transaction(async (tx) => {
      deleted = await tracking.clear(tx);
      const texts = new MigrationTexts();
      for (const f of chosen) await tracking.record(tx, ctx.source.recordFor(f, texts, "reinit"));
    });
    return { deleted, marked: chosen.map((f) => f.version), dry_run: false };
  };
  if (options.dryRun) return await run(ctx.database, true);
  return await ctx.sessions.run(undefined, (session) => run(session, false));
}
