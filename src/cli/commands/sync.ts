/**
 * `confiture sync`: copy data from one environment into another with PII masked on the way,
 * and `confiture sync check`: list PII-looking columns that have no rule.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import { CommandContext, withFormatOption } from "../context.ts";
import { ProgressRenderer } from "../progress.ts";
import { EXIT, UsageError } from "../../errors.ts";
import { parseDurationFlag } from "./_options.ts";
import type { Environment } from "../../config/environment.ts";
import { SYNC_DEFAULT_PROFILE as DEFAULT_PROFILE } from "../../config/defaults.ts";
import { getEnv } from "../../platform/env.ts";
import { animationEnabled } from "../output.ts";
import { writeStderr } from "../../platform/stdio.ts";
import { checkPii, type PiiCheckReport } from "../../sync/check.ts";
import type { PiiFinding } from "../../sync/pii_coverage.ts";
import { type AnonymizationProfile, parseAnonymizeFlag } from "../../sync/profile.ts";
import type { SyncReport } from "../../sync/sync.ts";
import { syncEnvironments, syncProfile, syncSelection } from "../../sync/sync_environments.ts";

function csv(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 64) throw new UsageError(`--workers expects 0 to 64, got "${value}"`);
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Build the `sync` command with its `check` subcommand. */
export function syncCommand(): Command {
  const cmd = new Command("sync")
    .description("copy data between environments, anonymizing PII on the way (the target keeps its schema)")
    .option("--from <env>", "source environment (db/environments/<env>.yaml)")
    .option("--to <env>", "target environment; never a protected one, nor the source under another name")
    .option("--schemas <list>", "comma-separated schemas to copy (default: every user schema)", csv)
    .option("--tables <globs>", "comma-separated table globs to copy, e.g. 'tb_*,app.orders'", csv)
    .option("--exclude <globs>", "comma-separated table globs to skip", csv)
    .option("--profile <file>", `anonymization profile (default: ${DEFAULT_PROFILE})`)
    .option("--anonymize <table.column[:strategy]>", "mask a column (repeatable); overrides the profile", collect)
    .option("--resume", "skip tables an interrupted run already finished")
    .option("--dry-run", "check and show the plan; change nothing")
    .option("--allow-unmasked", "copy PII-looking columns that have no rule")
    .option("--workers <n>", "mask large tables on N worker threads (default 0; ~60 MB each)", parseWorkers)
    .option(
      "--lock-timeout <duration>",
      "give up waiting for a table lock after this long (default 30s)",
      parseDurationFlag,
    )
    .option("--project-dir <dir>", "project root that relative paths start from (default: .)");
  withFormatOption(cmd).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    if (!opts.from || !opts.to) throw new UsageError("sync needs --from <env> and --to <env>");
    const from = await ctx.namedEnvironment(opts.from);
    const to = await ctx.namedEnvironment(opts.to);
    const progress = new ProgressRenderer({
      tty: animationEnabled(getEnv),
      verbose: ctx.out.options.verbose,
      quiet: ctx.out.options.quiet,
      write: writeStderr,
    });
    let report: SyncReport;
    try {
      report = await syncEnvironments(from, to, {
        profile: opts.profile,
        anonymize: opts.anonymize,
        schemas: opts.schemas,
        tables: opts.tables,
        exclude: opts.exclude,
        resume: opts.resume,
        dryRun: opts.dryRun,
        allowUnmasked: opts.allowUnmasked,
        workers: opts.workers,
        lockTimeoutMs: opts.lockTimeout,
        onNotice: (m) => ctx.out.debug(`notice: ${m}`),
        onEvent: (e) => {
          if (!progress.event(e)) {
            progress.close();
            ctx.out.event(e);
          }
        },
      });
    } finally {
      progress.close();
    }
    ctx.out.result(
      { ok: true, command: "sync", from: from.name, to: to.name, ...report },
      () => render(report, from, to),
    );
  });

  const check = new Command("check")
    .description("list columns that look like PII and have no anonymization rule (exit 5 when any)")
    .option("--from <env>", "environment to inspect (default: --env or local)")
    .option("-e, --env <name>", "environment to inspect when --from is not given")
    .option("--schemas <list>", "comma-separated schemas (default: every user schema)", csv)
    .option("--tables <globs>", "comma-separated table globs", csv)
    .option("--exclude <globs>", "comma-separated table globs to skip", csv)
    .option("--profile <file>", `anonymization profile (default: ${DEFAULT_PROFILE})`)
    .option("--anonymize <table.column[:strategy]>", "count a column as masked (repeatable)", collect)
    .option("--project-dir <dir>", "project root that relative paths start from (default: .)");
  withFormatOption(check).action(async (_local, command) => {
    const ctx = new CommandContext(command);
    // `sync` defines the same options and commander hands them to it: read the merged set.
    const opts = ctx.opts as {
      from?: string;
      profile?: string;
      anonymize?: string[];
      schemas?: string[];
      tables?: string[];
      exclude?: string[];
    };
    const env = opts.from ? await ctx.namedEnvironment(opts.from) : await ctx.environment();
    const profile = await syncProfile(env, opts.profile);
    await using db = await ctx.database(env);
    // The same rules as `sync`: a flag without a strategy gets the one `sync` would choose.
    const report = await checkPii(db, {
      ...syncSelection(env, opts),
      rules: profile.rules,
      flagRules: (opts.anonymize ?? []).map(parseAnonymizeFlag),
      ignoreTables: [env.migration.trackingTable.name],
    });
    if (!report.ok) ctx.setExitCode(EXIT.config);
    ctx.out.result({ command: "sync check", env: env.name, ...report }, () => renderCheck(report, profile));
  });
  cmd.addCommand(check);
  return cmd as unknown as Command;
}

function render(r: SyncReport, from: Environment, to: Environment): string {
  const width = Math.max(0, ...r.tables.map((t) => t.name.length), ...r.skipped.map((t) => t.name.length));
  const lines: string[] = [];
  if (r.dry_run) {
    lines.push(
      `Dry run: ${count(r.tables.length, "table")} would be copied from ${from.name} to ${to.name}, in this order:`,
    );
    for (const t of r.tables) {
      const masked = t.anonymized_columns.length > 0 ? `  masked: ${t.anonymized_columns.join(", ")}` : "";
      lines.push(`  ${t.name.padEnd(width)}  ~${t.rows.toLocaleString("en-US")} rows${masked}`);
    }
    return lines.join("\n");
  }
  for (const t of r.tables) {
    const masked = t.anonymized_columns.length > 0 ? `  masked: ${t.anonymized_columns.join(", ")}` : "";
    lines.push(
      `  ${t.name.padEnd(width)}  ${t.rows.toLocaleString("en-US").padStart(12)} rows  ${t.duration_ms} ms${masked}`,
    );
  }
  for (const t of r.skipped) lines.push(`  ${t.name.padEnd(width)}  skipped: finished by an earlier run`);
  lines.push(
    `Synced ${count(r.tables.length, "table")}, ${count(r.total_rows, "row")} from ${from.name} to ${to.name} ` +
      `in ${(r.duration_ms / 1000).toFixed(1)} s (${r.rows_per_second.toLocaleString("en-US")} rows/s)`,
  );
  return lines.join("\n");
}

function renderCheck(r: PiiCheckReport, profile: AnonymizationProfile): string {
  const source = profile.file ?? "no profile";
  if (r.ok) {
    return `No unmasked PII: ${count(r.tables, "table")} checked, ${count(r.covered, "column rule")} in ${source}.`;
  }
  const where = (u: PiiFinding) => u.path ? `${u.column} ${u.path}` : u.column;
  const width = Math.max(...r.unmasked.map((u) => where(u).length));
  return [
    `${count(r.unmasked.length, "column or part", "columns or parts")} ${
      r.unmasked.length === 1 ? "looks" : "look"
    } like personal data and ${r.unmasked.length === 1 ? "has" : "have"} no rule in ${source}:`,
    ...r.unmasked.map((u) => `  ${where(u).padEnd(width)}  ${u.kind} (${u.type})`),
    `Add rules (strategy keep marks a column as not personal), e.g.:`,
    ...r.unmasked.slice(0, 3).map((u) => `  ${u.column}: ${suggestFor(u)}`),
  ].join("\n");
}

// A rule for a part of a value: each: for array elements, json:/hstore:/fields: for the rest.
function suggestFor(u: PiiFinding): string {
  const s = suggest(u.kind);
  const path = u.path ?? "";
  if (path === "") return s;
  if (path === "[*]") return s.startsWith("{") ? `${s.slice(0, -2)}, each: true }` : `{ strategy: ${s}, each: true }`;
  if (path.startsWith("$")) return `{ json: { "${path}": ${s} } }`;
  if (path.startsWith("['")) return `{ hstore: { ${path.slice(2, -2)}: ${s} } }`;
  if (/^\.[A-Za-z_][A-Za-z0-9_]*$/.test(path)) return `{ fields: { ${path.slice(1)}: ${s} } }`;
  return `# ${path}: see "Masking parts of a value" in the README`;
}

function suggest(kind: string): string {
  switch (kind) {
    case "email":
    case "phone":
    case "name":
    case "address":
    case "ip":
      return kind;
    case "birth_date":
      return "{ strategy: date_shift, days: 30 }";
    case "card":
      return "credit_card";
    default:
      return "hash";
  }
}
