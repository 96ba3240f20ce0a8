/**
 * `lintMigrations`: check a batch of migrations, in order, against the lock, breaking-change and
 * reversibility rules, then resolve severities (live table size, configuration) and allows.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { calledFunctions, nameList, rangeVarName, type RelName, sameRel } from "./ast.ts";
import { readInlineAllows } from "./allow.ts";
import { BatchState, createdRelation } from "./batch_state.ts";
import { type LiveFacts, readLiveFacts } from "./live_facts.ts";
import { type ParsedSql, parseSql } from "./parse_sql.ts";
import type { RawFinding } from "./rule_context.ts";
import { checkBreakingRules } from "./rules_breaking.ts";
import { type RuleId, ruleInfo, type Severity } from "../config/lint_rules.ts";
import { afterUp, checkReversibility, type CreatedObject } from "./rules_down.ts";
import { checkLockRules } from "./rules_lock.ts";
import { checkSessionRules } from "./rules_session.ts";
import { lockTimeoutChange } from "./lock_levels.ts";
import { runModeOf } from "./run_mode.ts";
import { MIGRATION_DEFAULTS } from "../config/defaults.ts";

/** One migration to lint: its texts and the paths to show. */
export interface LintMigration {
  version: string;
  name: string;
  /** Path of the up file as shown in findings. */
  upFile: string;
  upSql: string;
  downFile?: string;
  downSql?: string;
}

/** Settings from the environment's `lint:` section. */
export interface LintSettings {
  /** Lock findings on tables with fewer live rows are warnings. */
  smallTableRows: number;
  /** Severity overrides per rule id. */
  rules: Readonly<Record<string, Severity | "off">>;
}

/** Options for {@link lintMigrations}. */
export interface LintOptions {
  /** A connection for live table sizes, column types and function volatility. */
  db?: Queryable;
  /**
   * The runner's `SET LOCAL lock_timeout` (migration.statement_lock_timeout), default 5000 ms.
   * `missing-lock-timeout` fires only when this is 0 and the file sets none.
   */
  statementLockTimeoutMs?: number;
  /** Rules allowed for the whole batch (`--allow`), with the reason to record. */
  allow?: ReadonlyMap<string, string>;
  settings?: Partial<LintSettings>;
  /**
   * Check each down against its up (`missing-down`, `down-incomplete`); default true. The gate
   * of `migrate up` turns it off: nothing in a down file is parsed for an up.
   */
  reversibility?: boolean;
  /**
   * Each migration is its own batch for the lock and breaking-change rules (offline `confiture
   * lint`: which ones are applied is unknown). Reversibility still reads the chain in order.
   */
  isolated?: boolean;
}

/** One finding, as printed and as stored. */
export interface LintFinding {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  message: string;
  why: string;
  fix: string;
  /** Whether an inline `-- confiture:allow` or `--allow` covers it. */
  allowed: boolean;
  reason: string | null;
  /** Version of the migration the finding belongs to. */
  version: string;
  /** Live rows of the table concerned, when a database told us. */
  rows: number | null;
}

/** Counts of findings that are not allowed, and of allowed ones. */
export interface LintSummary {
  errors: number;
  warnings: number;
  allowed: number;
}

/** Result of {@link lintMigrations}. */
export interface LintResult {
  findings: LintFinding[];
  summary: LintSummary;
  /** True when no error is left unallowed: `migrate up` may proceed. */
  ok: boolean;
}

/** Defaults of the `lint:` section. */
export const DEFAULT_LINT_SETTINGS: LintSettings = { smallTableRows: 10_000, rules: {} };

/**
 * Lint a batch of migrations in order. Tables created by an earlier statement of the batch
 * count as new: locking them hurts nobody. Unparseable SQL throws SchemaError (exit 4).
 *
 * @example
 * ```ts
 * const result = await lintMigrations([{ version: "002", name: "idx", upFile: "db/migrations/002_idx.up.sql",
 *   upSql: "CREATE INDEX i ON users (email);" }]);
 * result.findings[0].rule; // "create-index-non-concurrent"
 * ```
 */
export async function lintMigrations(
  migrations: readonly LintMigration[],
  options: LintOptions = {},
): Promise<LintResult> {
  const settings = { ...DEFAULT_LINT_SETTINGS, ...options.settings };
  const runnerTimeout = (options.statementLockTimeoutMs ?? MIGRATION_DEFAULTS.statementLockTimeoutMs) > 0;
  const ups: ParsedSql[] = [];
  for (const m of migrations) ups.push(await parseSql(m.upFile, m.upSql));
  // The catalog query runs while the down files are parsed.
  const factsRead = options.db ? readFactsFor(options.db, ups) : undefined;
  factsRead?.catch(() => {}); // awaited below, unless a down file fails to parse first
  const parsed: { m: LintMigration; up: ParsedSql; down?: ParsedSql }[] = [];
  for (const [i, m] of migrations.entries()) {
    const down = m.downSql !== undefined && options.reversibility !== false
      ? await parseSql(m.downFile ?? `${m.version}_${m.name}.down.sql`, m.downSql)
      : undefined;
    parsed.push({ m, up: ups[i], down });
  }
  const facts = await factsRead;

  let batch = new BatchState();
  // What earlier migrations created: a later `CREATE … IF NOT EXISTS` of it creates nothing.
  let chain: CreatedObject[] = [];
  const extensionExists = facts ? (name: string) => facts.extension(name) : undefined;
  const findings: LintFinding[] = [];
  for (const { m, up, down } of parsed) {
    if (options.isolated) batch = new BatchState();
    const raw: RawFinding[] = [];
    const run = runModeOf(up);
    // A `-- confiture:lock_timeout` directive replaces the runner's value for this file.
    let lockTimeoutActive = run.lockTimeoutMs !== undefined ? run.lockTimeoutMs > 0 : runnerTimeout;
    let lockTimeoutOffAt: number | undefined;
    for (const stmt of up.statements) {
      const where = `${m.version}#${run.segment[stmt.index]}`;
      const ctx = { version: m.version, where, batch, facts, lockTimeoutActive, lockTimeoutOffAt };
      raw.push(...checkLockRules(stmt, ctx), ...checkBreakingRules(stmt, ctx), ...checkSessionRules(stmt));
      const change = lockTimeoutChange(stmt, run.inTransaction[stmt.index]);
      if (change !== undefined) [lockTimeoutActive, lockTimeoutOffAt] = [change, change ? undefined : stmt.line];
      batch.record(stmt, where);
    }
    if (options.reversibility !== false) {
      raw.push(...checkReversibility(up, down, { objects: chain, extensionExists }));
      chain = afterUp(up, { objects: chain, extensionExists });
    }

    const { allows, problems } = readInlineAllows(up);
    for (const p of problems) {
      raw.push({ rule: "invalid-allow", message: p.message, at: { line: p.line, column: p.column } });
    }
    const mine: LintFinding[] = [];
    for (const r of raw) {
      const f = resolve(r, m, up, facts, settings, options.allow);
      if (!f) continue;
      const inline = r.stmt && allows.find((a) => a.statement === r.stmt!.index && a.rules.includes(r.rule));
      if (inline && r.rule !== "invalid-allow" && !ruleInfo(r.rule)!.fixed) {
        [f.allowed, f.reason] = [true, inline.reason];
      }
      mine.push(f);
    }
    findings.push(...mine.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  const summary: LintSummary = {
    errors: findings.filter((f) => !f.allowed && f.severity === "error").length,
    warnings: findings.filter((f) => !f.allowed && f.severity === "warning").length,
    allowed: findings.filter((f) => f.allowed).length,
  };
  return { findings, summary, ok: summary.errors === 0 };
}

function resolve(
  r: RawFinding,
  m: LintMigration,
  up: ParsedSql,
  facts: LiveFacts | undefined,
  settings: LintSettings,
  allow: ReadonlyMap<string, string> | undefined,
): LintFinding | undefined {
  const info = ruleInfo(r.rule)!;
  const override = info.fixed ? undefined : settings.rules[r.rule];
  if (override === "off") return undefined;
  const rows = info.sizeAware && r.table ? facts?.table(r.table)?.rows ?? null : null;
  let severity: Severity = override ?? info.severity;
  // Without an override, a lock finding's weight follows the table's live size when it is known.
  if (!override && info.sizeAware && rows !== null) severity = rows >= settings.smallTableRows ? "error" : "warning";
  // Connected, and the table is not in the database: nothing live uses it or fills it yet (the
  // batch creates it in a way lint cannot read, e.g. in a DO block). Never a reason to stop.
  const absent = info.sizeAware && r.table !== undefined && facts !== undefined && !facts.table(r.table);
  if ((r.uncertain || absent) && !override) severity = "warning";
  const cliReason = info.fixed ? undefined : allow?.get(r.rule);
  return {
    rule: r.rule,
    severity,
    file: up.file,
    line: r.at?.line ?? r.stmt?.line ?? 1,
    column: r.at?.column ?? r.stmt?.column ?? 1,
    message: rows !== null
      ? `${r.message} (~${rows.toLocaleString("en-US")} rows)`
      : absent
      ? `${r.message} (not in the database yet)`
      : r.message,
    why: info.why,
    fix: info.fix,
    allowed: cliReason !== undefined && r.rule !== "invalid-allow",
    reason: r.rule !== "invalid-allow" ? cliReason ?? null : null,
    version: m.version,
    rows,
  };
}

async function readFactsFor(db: Queryable, files: ParsedSql[]): Promise<LiveFacts> {
  const tables: RelName[] = [];
  const functions = new Set<string>();
  // A relation created earlier in the batch has no live facts to read (a fresh project's first
  // run would otherwise look up every table, sequence and view it is about to create).
  const created = new Map<string, RelName[]>();
  for (const f of files) {
    for (const s of f.statements) {
      const made = s.node.if_not_exists ? undefined : createdRelation(s);
      if (made) created.set(made.name, [...created.get(made.name) ?? [], made]);
      if (s.type === "DropStmt" && s.node.removeType === "OBJECT_TABLE") {
        // drop-breaks-code asks whether a dropped table exists live.
        for (const o of s.node.objects ?? []) {
          const names = nameList(o.List?.items);
          const rel = names.length > 1 ? { schema: names.at(-2), name: names.at(-1)! } : { name: names[0] };
          if (rel.name && !created.get(rel.name)?.some((c) => sameRel(c, rel))) tables.push(rel);
        }
        continue;
      }
      if (!["IndexStmt", "AlterTableStmt", "RenameStmt"].includes(s.type)) continue;
      const rel = rangeVarName(s.node.relation);
      if (rel && !created.get(rel.name)?.some((c) => sameRel(c, rel))) tables.push(rel);
      if (s.type === "AlterTableStmt") { for (const fn of calledFunctions(s.node.cmds)) functions.add(fn); }
    }
  }
  return await readLiveFacts(db, tables, [...functions]);
}
