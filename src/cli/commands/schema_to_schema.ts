/**
 * `confiture migrate schema-to-schema`: rebuild tables in a new database from a live one.
 * Subcommands: setup, analyze, migrate, catch-up, verify, cleanup. Each parses flags, opens
 * both environments, calls `src/schema_to_schema/`, and renders the result.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { helpDuration, SCHEMA_TO_SCHEMA_DEFAULTS as D } from "../../config/defaults.ts";
import { EXIT, UsageError } from "../../errors.ts";
import type { DataPath } from "../../schema_to_schema/plan.ts";
import { CommandContext } from "../context.ts";
import { table } from "../table.ts";
import { count } from "../../plural.ts";
import { parseDurationFlag } from "./_options.ts";
import { bytes, openEnds, parseList, parsePositive, progressRenderer, withEnds } from "./_schema_to_schema.ts";

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
    const result = await s.setup({ schemas: opts.schemas, address: { host: opts.fdwHost, port: opts.fdwPort } });
    ctx.out.result(
      { ok: true, command: "setup", ...result },
      () =>
        `${
          result.updated ? "Updated" : "Created"
        } foreign server ${result.server} → ${result.source} as ${result.user}` +
        ` (${result.passwordSet ? "password set" : "no password"}); imported ${
          count(result.foreignTables, "table")
        } from ` +
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
    const { batchSize, tables } = await s.analyze({
      tables: opts.tables,
      strategy: opts.strategy as DataPath | undefined,
      batchSize: opts.batchSize,
    });
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
        `\n\n${count(tables.length, "table")}, batches of ${count(batchSize, "row")}. Run \`migrate\` to copy them.`;
    });
  });
  return cmd as unknown as Command;
}

function migrateCommand(): Command {
  const cmd = new Command("migrate")
    .description("copy every mapped table in key-ordered batches, one transaction and checkpoint per batch")
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--batch-size <n>", `rows per batch (default ${D.batchSize})`, parsePositive("--batch-size"))
    .option("--throttle-ms <ms>", "pause between batches", (v) => parseDurationFlag(v))
    .addOption(new Option("--strategy <strategy>", "data path for tables without their own").choices(["fdw", "copy"]))
    .option(
      "--lock-timeout <duration>",
      `wait this long for a lock on a target table (default ${helpDuration(D.lockTimeoutMs)})`,
      (v) => parseDurationFlag(v),
    )
    .option("--resume", "continue tables an earlier run started, from their checkpoints")
    .option("--restart", "empty the target tables and copy them again (destructive)")
    .option("-y, --yes", "do not ask before --restart on a protected target");
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    if (opts.resume && opts.restart) throw new UsageError("Use either --resume or --restart, not both");
    await using s = await openEnds(ctx);
    const { rows, tables: results } = await s.copy({
      tables: opts.tables,
      strategy: opts.strategy as DataPath | undefined,
      batchSize: opts.batchSize,
      throttleMs: opts.throttleMs,
      lockTimeoutMs: opts.lockTimeout,
      resume: opts.resume,
      restart: opts.restart,
      confirmRestart: (names) => ctx.confirmDestructive(s.targetEnv, `Empty ${names.join(", ")} and copy again`),
      onEvent: progressRenderer(ctx),
    });
    ctx.out.result(
      { command: "migrate", rows, tables: results },
      () =>
        results.map((r) =>
          r.skipped
            ? `• ${r.table}: already copied (${r.totalRows} rows)`
            : `• ${r.table}: ${count(r.rows, "row")} in ${
              count(r.batches, "batch", "batches")
            } via ${r.strategy}, ${r.durationMs} ms` +
              (r.resumedFrom ? ` (resumed after key ${r.resumedFrom.join(", ")})` : "")
        ).join("\n") + `\nCopied ${count(rows, "row")} into ${count(results.length, "table")}.`,
    );
  });
  return cmd as unknown as Command;
}

function catchUpCommand(): Command {
  const cmd = new Command("catch-up")
    .description("re-copy rows changed since the last run (upsert on the key) and report deleted rows")
    .option("--since-column <column>", "source column holding each row's last-change time", D.sinceColumn)
    .option(
      "--overlap <duration>",
      "also re-copy rows this much older than the last run, for late commits",
      `${D.overlapMs / 1000}s`,
    )
    .option("--tables <list>", "only these target tables (comma-separated)", parseList)
    .option("--batch-size <n>", "rows per batch", parsePositive("--batch-size"))
    .option("--throttle-ms <ms>", "pause between batches", (v) => parseDurationFlag(v))
    .addOption(new Option("--strategy <strategy>", "data path for tables without their own").choices(["fdw", "copy"]))
    .option(
      "--lock-timeout <duration>",
      `wait this long for a lock on a target table (default ${helpDuration(D.lockTimeoutMs)})`,
      (v) => parseDurationFlag(v),
    )
    .option("--delete", "also delete target rows whose key the source no longer has (destructive)")
    .option("-y, --yes", "do not ask before --delete on a protected target");
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    // The flags' defaults are shown in help; the environment's settings win over them.
    const given = (key: string) => command.getOptionValueSource(key) !== "default";
    const overlap = given("overlap") ? parseDurationFlag(opts.overlap) : undefined;
    await using s = await openEnds(ctx);
    const { sinceColumn, deleted, tables: results } = await s.catchUp({
      tables: opts.tables,
      strategy: opts.strategy as DataPath | undefined,
      sinceColumn: given("sinceColumn") ? opts.sinceColumn : undefined,
      overlapMs: overlap,
      batchSize: opts.batchSize,
      throttleMs: opts.throttleMs,
      lockTimeoutMs: opts.lockTimeout,
      delete: opts.delete,
      confirmDelete: () => ctx.confirmDestructive(s.targetEnv, "Delete target rows the source no longer has"),
      onEvent: progressRenderer(ctx),
    });
    for (const r of results) {
      if (r.deleted > 0 && !r.deletesApplied) {
        ctx.out.warn(
          `${r.table}: ${count(r.deleted, "row")} deleted in the source ${
            r.deleted === 1 ? "is" : "are"
          } still in the target` +
            ` (keys: ${r.deletedKeys.map((k) => k.join(",")).join("; ")}${
              r.deleted > r.deletedKeys.length ? "; …" : ""
            })`,
        );
      }
    }
    ctx.out.result(
      { command: "catch-up", sinceColumn, deleted, tables: results },
      () =>
        results.map((r) =>
          `• ${r.table}: ${count(r.rows, "changed row")} upserted since ${r.since}; ` +
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
    .option(
      "--chunk-size <n>",
      `source rows per checksum chunk (default ${D.chunkSize})`,
      parsePositive("--chunk-size"),
    );
  withEnds(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using s = await openEnds(ctx);
    const { matched, tables: results } = await s.verify({
      tables: opts.tables,
      chunkSize: opts.chunkSize,
      onEvent: progressRenderer(ctx),
    });
    ctx.out.result({ command: "verify", matched, tables: results }, () => {
      const lines = results.map((r) =>
        `${r.match ? "✓" : "✗"} ${r.table}: source=${r.sourceRows} target=${r.targetRows}` +
        (r.match ? "" : `, ${count(r.mismatchCount, "mismatching key range")}`)
      );
      for (const r of results.filter((r) => !r.match)) {
        for (const m of r.mismatches) {
          lines.push(
            `  ${r.table}: keys ${m.after ? `after (${m.after.join(", ")})` : "from the start"} ` +
              `${m.upTo ? `up to (${m.upTo.join(", ")})` : "to the end"}: ${
                m.differs === "checksum"
                  ? `checksums differ (${count(m.sourceRows, "row")} on both sides)`
                  : `row counts differ (source ${m.sourceRows}, target ${m.targetRows})`
              }`,
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
    if (!matched) ctx.setExitCode(EXIT.failure);
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
    const result = await s.cleanup();
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
