/**
 * `confiture migrate schema-to-schema`: rebuild tables in a new database from a live one.
 * Subcommands: setup, analyze, migrate, catch-up, verify, cleanup. Each parses flags, opens
 * both environments, calls `src/schema_to_schema/`, and renders the result.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import type { ServerTarget } from "../../db/url.ts";
import { EXIT, UsageError } from "../../errors.ts";
import {
  analyzeTables,
  assertDistinctEnds,
  catchUpTable,
  checkSinceColumn,
  cleanupForeignServer,
  type DataPath,
  migrateTables,
  restartTables,
  setupForeignServer,
  type TableCatchUpResult,
  type TableVerifyResult,
  verifyTable,
} from "../../schema_to_schema/mod.ts";
import { CommandContext, setExitCode } from "../context.ts";
import { table } from "../table.ts";
import { parseDurationFlag } from "./_options.ts";
import {
  bytes,
  mappingFor,
  openEnds,
  parseList,
  parsePositive,
  plansFor,
  progressRenderer,
  requireStaging,
  withEnds,
} from "./_schema_to_schema.ts";

/** Build the `schema-to-schema` command group (registered under `migrate`). */
export function schemaToSchemaCommand(): Command {
  const group = new Command("schema-to-schema")
    .description(
      "rebuild large tables in a new database from a live one: setup → migrate → catch-up → verify → cleanup",
    );
  group.addCommand(setupCommand());
  group.addCommand(analyzeCommand());
  group.addCommand(migrateCommand());
  group.addCommand(catchUpCommand());
  group.addCommand(verifyCommand());
  group.addCommand(cleanupCommand());
  return group as unknown as Command;
}

function setupCommand(): Command {
  const cmd = new Command("setup")
    .description("create postgres_fdw, a foreign server and user mapping for the source, and import its schemas")
    .option("--schemas <list>", "source schemas to import (default: those the mapping reads, else public)", parseList)
    .option("--fdw-host <host>", "host the target server uses to reach the source (default: the source's host)")
    .option("--fdw-port <port>", "port the target server uses to reach the source", parsePositive("--fdw-port"));
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    if (s.targetEnv.target.kind !== "server") {
      throw new UsageError(`Target environment "${s.targetEnv.name}" must be a PostgreSQL server for postgres_fdw`, {
        hint: "use migrate --strategy copy without setup for an embedded target",
      });
    }
    let schemas = opts.schemas;
    if (!schemas?.length) {
      const mapping = await mappingFor(ctx, s).catch(() => undefined);
      schemas = mapping ? [...new Set(mapping.tables.map((t) => t.source.schema))] : ["public"];
    }
    const result = await setupForeignServer(
      s.target,
      { user: s.targetEnv.target.user, database: s.targetEnv.target.database },
      s.source,
      s.sourceEnv.target as ServerTarget,
      { staging: s.staging, schemas, address: { host: opts.fdwHost, port: opts.fdwPort } },
    );
    ctx.out.result(
      { ok: true, command: "setup", ...result },
      () =>
        `${
          result.updated ? "Updated" : "Created"
        } foreign server ${result.server} → ${result.source} as ${result.user}` +
        ` (${result.passwordSet ? "password set" : "no password"}); imported ${result.foreignTables} table(s) from ` +
        `${result.schemas.join(", ")} into ${result.staging}.`,
    );
  });
  return cmd as unknown as Command;
}

function analyzeCommand(): Command {
  const cmd = new Command("analyze")
    .description("show the plan: source rows and size, strategy and batches per table")
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--batch-size <n>", "rows per batch", parsePositive("--batch-size"))
    .addOption(new Option("--strategy <strategy>", "data path for tables without their own").choices(["fdw", "copy"]));
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    const plans = await plansFor(ctx, s, opts.strategy as DataPath | undefined);
    const batchSize = opts.batchSize ?? s.settings.batch_size;
    const tables = await analyzeTables(s, plans, { staging: s.staging, batchSize });
    ctx.out.result({ command: "analyze", batchSize, tables }, () => {
      const rows = tables.map((t) => [
        t.table,
        t.source + (t.filtered ? " (where)" : ""),
        `${t.rowsExact ? "" : "~"}${t.sourceRows}`,
        bytes(t.sourceBytes),
        t.strategy,
        String(t.batches),
        t.key.join(", "),
        t.state === "in progress" ? `in progress (${t.rowsCopied} rows)` : t.state,
      ]);
      const stopped = tables.filter((t) => t.lastError).map((t) => `${t.table}: the last run stopped: ${t.lastError}`);
      return table(["Target", "Source", "Rows", "Size", "DataPath", "Batches", "Key", "State"], rows) +
        (stopped.length ? `\n\n${stopped.join("\n")}` : "") +
        `\n\n${tables.length} table(s), batches of ${batchSize} rows. Run \`migrate\` to copy them.`;
    });
  });
  return cmd as unknown as Command;
}

function migrateCommand(): Command {
  const cmd = new Command("migrate")
    .description("copy every mapped table in key-ordered batches, one transaction and checkpoint per batch")
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--batch-size <n>", "rows per batch (default 10000)", parsePositive("--batch-size"))
    .option("--throttle-ms <ms>", "pause between batches", (v) => parseDurationFlag(v))
    .addOption(new Option("--strategy <strategy>", "data path for tables without their own").choices(["fdw", "copy"]))
    .option(
      "--lock-timeout <duration>",
      "wait this long for a lock on a target table (default 30s)",
      (v) => parseDurationFlag(v),
    )
    .option("--resume", "continue tables an earlier run started, from their checkpoints")
    .option("--restart", "empty the target tables and copy them again (destructive)")
    .option("-y, --yes", "do not ask before --restart on a protected target");
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    if (opts.resume && opts.restart) throw new UsageError("Use either --resume or --restart, not both");
    await using s = await openEnds(ctx);
    const plans = await plansFor(ctx, s, opts.strategy as DataPath | undefined);
    const onEvent = progressRenderer(ctx);
    const lockTimeoutMs = opts.lockTimeout ?? s.settings.lock_timeout;
    for (const plan of plans) if (plan.strategy === "fdw") await requireStaging(s, plan);
    if (opts.restart) {
      await ctx.confirmDestructive(s.targetEnv, `Empty ${plans.map((p) => p.target.name).join(", ")} and copy again`);
      await assertDistinctEnds(s);
      // Emptied together, so tables that reference each other can be restarted.
      await restartTables(s.target, s.staging, plans, { timeoutMs: lockTimeoutMs, onEvent });
    }
    const results = await migrateTables(s, plans, {
      staging: s.staging,
      batchSize: opts.batchSize ?? s.settings.batch_size,
      throttleMs: opts.throttleMs ?? s.settings.throttle,
      lockTimeoutMs,
      resume: Boolean(opts.resume),
      restart: false,
      onEvent,
    });
    const rows = results.reduce((n, r) => n + r.rows, 0);
    ctx.out.result(
      { command: "migrate", rows, tables: results },
      () =>
        results.map((r) =>
          r.skipped
            ? `• ${r.table}: already copied (${r.totalRows} rows)`
            : `• ${r.table}: ${r.rows} rows in ${r.batches} batch(es) via ${r.strategy}, ${r.durationMs} ms` +
              (r.resumedFrom ? ` (resumed after key ${r.resumedFrom.join(", ")})` : "")
        ).join("\n") + `\nCopied ${rows} row(s) into ${results.length} table(s).`,
    );
  });
  return cmd as unknown as Command;
}

function catchUpCommand(): Command {
  const cmd = new Command("catch-up")
    .description("re-copy rows changed since the last run (upsert on the key) and report deleted rows")
    .option("--since-column <column>", "source column holding each row's last-change time", "updated_at")
    .option("--overlap <duration>", "also re-copy rows this much older than the last run, for late commits", "60s")
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--batch-size <n>", "rows per batch", parsePositive("--batch-size"))
    .option("--throttle-ms <ms>", "pause between batches", (v) => parseDurationFlag(v))
    .addOption(new Option("--strategy <strategy>", "data path for tables without their own").choices(["fdw", "copy"]))
    .option(
      "--lock-timeout <duration>",
      "wait this long for a lock on a target table (default 30s)",
      (v) => parseDurationFlag(v),
    )
    .option("--delete", "also delete target rows whose key the source no longer has (destructive)")
    .option("-y, --yes", "do not ask before --delete on a protected target");
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    const plans = await plansFor(ctx, s, opts.strategy as DataPath | undefined);
    await checkSinceColumn(s, plans, opts.sinceColumn);
    if (opts.delete) await ctx.confirmDestructive(s.targetEnv, "Delete target rows the source no longer has");
    const onEvent = progressRenderer(ctx);
    const results: TableCatchUpResult[] = [];
    for (const plan of plans) {
      if (plan.strategy === "fdw") await requireStaging(s, plan);
      results.push(
        await catchUpTable(s, plan, {
          staging: s.staging,
          sinceColumn: opts.sinceColumn,
          overlapMs: parseDurationFlag(opts.overlap),
          batchSize: opts.batchSize ?? s.settings.batch_size,
          throttleMs: opts.throttleMs ?? s.settings.throttle,
          maxDeletedKeys: 20,
          applyDeletes: Boolean(opts.delete),
          lockTimeoutMs: opts.lockTimeout ?? s.settings.lock_timeout,
          onEvent,
        }),
      );
    }
    const deleted = results.reduce((n, r) => n + r.deleted, 0);
    for (const r of results) {
      if (r.deleted > 0 && !r.deletesApplied) {
        ctx.out.warn(
          `${r.table}: ${r.deleted} row(s) deleted in the source are still in the target` +
            ` (keys: ${r.deletedKeys.map((k) => k.join(",")).join("; ")}${
              r.deleted > r.deletedKeys.length ? "; …" : ""
            })`,
        );
      }
    }
    ctx.out.result(
      { command: "catch-up", sinceColumn: opts.sinceColumn, deleted, tables: results },
      () =>
        results.map((r) =>
          `• ${r.table}: ${r.rows} changed row(s) upserted since ${r.since}; ` +
          `${r.deleted} deleted in the source${r.deletesApplied && r.deleted > 0 ? ", removed from the target" : ""}`
        )
          .join("\n"),
    );
  });
  return cmd as unknown as Command;
}

function verifyCommand(): Command {
  const cmd = new Command("verify")
    .description("compare row counts and chunked content checksums on both sides; exit 1 on any mismatch")
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--chunk-size <n>", "source rows per checksum chunk (default 10000)", parsePositive("--chunk-size"));
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    const plans = await plansFor(ctx, s);
    const onEvent = progressRenderer(ctx);
    const results: TableVerifyResult[] = [];
    for (const plan of plans) {
      results.push(await verifyTable(s, plan, { chunkSize: opts.chunkSize ?? 10_000, maxMismatches: 20, onEvent }));
    }
    const matched = results.every((r) => r.match);
    ctx.out.result({ command: "verify", matched, tables: results }, () => {
      const lines = results.map((r) =>
        `${r.match ? "✓" : "✗"} ${r.table}: source=${r.sourceRows} target=${r.targetRows}` +
        (r.match ? "" : `, ${r.mismatchCount} mismatching key range(s)`)
      );
      for (const r of results.filter((r) => !r.match)) {
        for (const m of r.mismatches) {
          lines.push(
            `  ${r.table}: keys ${m.after ? `after (${m.after.join(", ")})` : "from the start"} ` +
              `${
                m.upTo ? `up to (${m.upTo.join(", ")})` : "to the end"
              }: source ${m.sourceRows} row(s), target ${m.targetRows}`,
          );
        }
      }
      lines.push(
        matched
          ? "All tables match."
          : `Mismatch in ${results.filter((r) => !r.match).map((r) => r.table).join(", ")}.`,
      );
      return lines.join("\n");
    });
    if (!matched) setExitCode(EXIT.failure);
  });
  return cmd as unknown as Command;
}

function cleanupCommand(): Command {
  const cmd = new Command("cleanup")
    .description("drop the foreign server, user mapping and staging schema (with its checkpoints)")
    .option("-y, --yes", "do not ask on a protected target");
  withEnds(cmd, { mapping: false }).action(async (_opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    await ctx.confirmDestructive(s.targetEnv, `Drop the foreign server, user mapping and schema ${s.staging}`);
    const result = await cleanupForeignServer(s.target, s.staging);
    ctx.out.result(
      { ok: true, command: "cleanup", ...result },
      () =>
        result.droppedServer || result.droppedSchema
          ? `Dropped ${
            [
              result.droppedServer ? `foreign server ${result.server} and its user mapping` : "",
              result.droppedSchema ? `schema ${result.staging}` : "",
            ].filter(Boolean).join(" and ")
          }.`
          : "Nothing to clean up.",
    );
  });
  return cmd as unknown as Command;
}
