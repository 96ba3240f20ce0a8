/**
 * `confiture lint [FILES…]`: lock-aware lint of migrations. Exit 0 when no error is left
 * unallowed, 1 when one is, 4 for SQL that does not parse, 5 for usage or config problems.
 *
 * Without FILES it lints the migrations folder. With a connection (`--env`, `-c` or
 * `--database-url`) it lints the pending migrations as one batch and weighs lock findings by
 * each table's live size; without one it cannot tell what is applied, so each migration is its
 * own batch (a table counts as new only within the file that creates it).
 *
 * In CI, `--changed-since REF` lints only the migrations whose up or down file changed since
 * a git ref (the history that shipped is not linted again), and `--format github` prints each
 * finding as a GitHub workflow annotation on the file's line.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT, UsageError } from "../../errors.ts";
import { discoverMigrations, type MigrationFile, parseMigrationFileName } from "../../migrate/files.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { pathExists } from "../../platform/fs.ts";
import { changedSince, gitTopLevel } from "../../platform/git.ts";
import { basename, dirname, relative, resolve } from "../../platform/path.ts";
import { parseAllowFlags } from "../../lint/allow.ts";
import type { LintFinding, LintResult } from "../../lint/lint_migrations.ts";
import { lintMigrationFiles } from "../../migrate/lint_files.ts";
import { lintOptionsFor } from "../../lint/lint_gate.ts";
import { RULES } from "../../config/lint_rules.ts";
import type { Database } from "../../db/database.ts";
import type { Environment } from "../../config/environment.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { table } from "../table.ts";
import { writeStdout } from "../../platform/stdio.ts";

/** Build the `lint` command. */
export function lintCommand(): Command {
  const cmd = new Command("lint")
    .description("check migrations for locks, table rewrites, breaking changes and missing rollbacks")
    .argument("[files...]", "migration files (.up.sql); default: every migration in the migrations folder")
    .option("--allow <rule[=reason]>", "allow every finding of RULE (repeatable)", collect, [] as string[])
    .option("--changed-since <ref>", "lint only migrations whose files changed since this git ref (CI)")
    .option("--list-rules", "print the rules and exit");
  withFormatOption(withEnvOptions(cmd), ["github"]).action(async (files, opts, command) => {
    const ctx = new CommandContext(command);
    if (opts.listRules) {
      const rules = RULES.map(({ id, severity, summary }) => ({ id, severity, summary }));
      ctx.out.result(
        { rules },
        () => table(["Rule", "Severity", "What"], rules.map((r) => [r.id, r.severity, r.summary])),
      );
      return;
    }
    const { allow, unknown } = parseAllowFlags(opts.allow);
    if (unknown.length > 0) {
      throw new UsageError(`Unknown rule ${unknown.map((r) => `"${r}"`).join(", ")} in --allow`, {
        hint: "`confiture lint --list-rules` lists them",
      });
    }
    const connect = ["env", "config", "databaseUrl"].some((k) => ctx.opts[k] !== undefined);
    const env = await ctx.environment({ offline: !connect });
    const base = { ...lintOptionsFor(env), allow };
    let db: Database | undefined;
    try {
      if (connect) db = await ctx.database(env);
      let batches: MigrationFile[][];
      let isolated = false;
      if (files.length > 0 && opts.changedSince) {
        throw new UsageError("Name files or use --changed-since, not both");
      }
      if (files.length > 0) batches = [await namedMigrations(files)];
      else if (opts.changedSince) {
        const all = await discoverMigrations(env.migrationsDir, relative(env.projectDir, env.migrationsDir));
        const changed = new Set(await changedSince(env.projectDir, opts.changedSince, env.migrationsDir));
        const touched = all.filter((m) => changed.has(m.upPath) || (m.downPath && changed.has(m.downPath)));
        batches = [touched];
      } else {
        const all = await discoverMigrations(env.migrationsDir, relative(env.projectDir, env.migrationsDir));
        batches = [db ? await pendingOf(db, env, all) : all];
        // Offline, each migration is its own batch for the lock rules; the downs still read the chain.
        isolated = !db;
      }
      const results: LintResult[] = [];
      for (const batch of batches) {
        results.push(await lintMigrationFiles(batch, { ...base, db, downs: true, isolated }));
      }
      const findings = results.flatMap((r) => r.findings);
      const summary = {
        errors: results.reduce((n, r) => n + r.summary.errors, 0),
        warnings: results.reduce((n, r) => n + r.summary.warnings, 0),
        allowed: results.reduce((n, r) => n + r.summary.allowed, 0),
      };
      const linted = batches.reduce((n, b) => n + b.length, 0);
      if (ctx.opts.format === "github") {
        const top = await gitTopLevel(env.projectDir).catch(() => undefined);
        const shown = (file: string) => top ? relative(top, resolve(file, env.projectDir)) : file;
        for (const f of findings) writeStdout(githubAnnotation(f, shown(f.file)) + "\n");
        ctx.out.info(renderSummary(summary, linted));
        ctx.setExitCode(summary.errors > 0 ? EXIT.failure : EXIT.ok);
        return;
      }
      ctx.out.result(
        { findings, summary },
        () => renderFindings(findings, summary, linted, ctx.out.paint.bind(ctx.out)),
      );
      ctx.setExitCode(summary.errors > 0 ? EXIT.failure : EXIT.ok);
    } finally {
      await db?.close();
    }
  });
  return cmd as unknown as Command;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The migrations named on the command line (an up or a down file each), in version order. */
async function namedMigrations(files: string[]): Promise<MigrationFile[]> {
  const out: MigrationFile[] = [];
  for (const file of files) {
    const path = resolve(file);
    const parsed = parseMigrationFileName(basename(path));
    if (parsed.kind !== "migration") {
      throw new UsageError(`${file} is not a migration file`, { hint: "expected {version}_{name}.up.sql" });
    }
    const stem = `${dirname(path)}/${parsed.version}_${parsed.name}`;
    const upPath = `${stem}.up.sql`;
    if (!(await pathExists(upPath))) throw new UsageError(`${file}: ${basename(upPath)} does not exist`);
    if (out.some((m) => m.upPath === upPath)) continue;
    const downPath = `${stem}.down.sql`;
    out.push({
      version: parsed.version,
      name: parsed.name,
      upPath,
      downPath: (await pathExists(downPath)) ? downPath : undefined,
    });
  }
  return out.sort((
    a,
    b,
  ) => (BigInt(a.version) < BigInt(b.version) ? -1 : BigInt(a.version) > BigInt(b.version) ? 1 : 0));
}

/** The migrations the database has not applied yet. */
async function pendingOf(db: Database, env: Environment, all: MigrationFile[]): Promise<MigrationFile[]> {
  const m = Migrator.fromDatabase(db, {
    migrationsDir: env.migrationsDir,
    projectDir: env.projectDir,
    trackingTable: env.migration.trackingTable,
  });
  const status = await m.status();
  const pending = new Set(status.migrations.filter((s) => s.status === "pending").map((s) => s.version));
  return all.filter((f) => pending.has(f.version));
}

/** `::error file=…,line=…,col=…,title=…::message`, escaped as GitHub's workflow commands require. */
export function githubAnnotation(f: LintFinding, file: string): string {
  const data = (s: string) => s.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
  const prop = (s: string) => data(s).replaceAll(":", "%3A").replaceAll(",", "%2C");
  const level = f.allowed ? "notice" : f.severity === "error" ? "error" : "warning";
  const title = `confiture lint [${f.rule}]${f.allowed ? " allowed" : ""}`;
  const body = `${f.message}\nwhy: ${f.why}\nfix: ${f.fix}${f.allowed ? `\nallowed: ${f.reason}` : ""}`;
  return `::${level} file=${prop(file)},line=${f.line},col=${f.column},title=${prop(title)}::${data(body)}`;
}

function renderSummary(summary: { errors: number; warnings: number; allowed: number }, linted: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${plural(summary.errors, "error")}, ${plural(summary.warnings, "warning")}, ` +
    `${summary.allowed} allowed in ${plural(linted, "migration")}.`;
}

function renderFindings(
  findings: LintFinding[],
  summary: { errors: number; warnings: number; allowed: number },
  linted: number,
  paint: (code: string, text: string) => string,
): string {
  if (findings.length === 0) return `No findings in ${linted} migration${linted === 1 ? "" : "s"}.`;
  const blocks = findings.map((f) => {
    const label = f.allowed
      ? paint("36", "allowed")
      : f.severity === "error"
      ? paint("31", "error")
      : paint("33", "warning");
    const lines = [
      `${f.file}:${f.line}:${f.column}: ${label} [${f.rule}] ${f.message}`,
      `  why: ${f.why}`,
      `  fix: ${f.fix}`,
    ];
    if (f.allowed) lines.push(`  allowed: ${f.reason}`);
    return lines.join("\n");
  });
  return `${blocks.join("\n\n")}\n\n${renderSummary(summary, linted)}`;
}
