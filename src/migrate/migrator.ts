/**
 * The Migrator: the library API of the Migrate medium. It returns typed results and never
 * prints; progress leaves through `onEvent`. The CLI is a thin layer over exactly this API.
 *
 * @example
 * ```ts
 * await using m = await Migrator.fromConfig("db/environments/prod.yaml");
 * const status = await m.status();
 * if (status.hasPending) {
 *   const result = await m.up();
 *   console.log(`Applied ${result.applied.length} migrations`);
 * }
 * ```
 *
 * @module
 */
import type { Environment, MigrationSettings, TableName } from "../config/environment.ts";
import { environmentFromUrl, loadEnvironment, parseTableName } from "../config/load.ts";
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import { parseDatabaseUrl } from "../db/url.ts";
import { getEnv } from "../platform/env.ts";
import { ConfigError, ConnectionError, InterruptedError, MigrationError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { readBytesSync } from "../platform/fs.ts";
import { relative, resolve } from "../platform/path.ts";
import {
  CONNECTION_CHECK,
  describeFailure,
  ReplayNeeded,
  RESET_SESSION,
  type RunOutcome,
  runScript,
  type RunTarget,
  toMigrationError,
} from "./apply.ts";
import { type MigrationScript, prepareScript, renderScript } from "./script.ts";
import { preloadParser } from "../sql/parser.ts";
import { checksumMatches, migrationChecksum } from "./checksum.ts";
import {
  compareVersions,
  discoverMigrations,
  isVersion,
  type MigrationFile,
  MigrationTexts,
  versionKey,
} from "./files.ts";
import { withMigrationLock } from "./lock.ts";
import { type PlannedStep, type Recorded, stopError } from "./stop.ts";
import { pooledConnectionError, usesTransactionPooler } from "./pooler.ts";
import { planDown, planUp } from "./plan.ts";
import {
  type BaselineResult,
  type DownResult,
  type MigrationFailure,
  type MigrationRun,
  type MigrationStatus,
  type PlannedMigration,
  type ReinitResult,
  StatusResult,
  type UpResult,
} from "./results.ts";
import { type AppliedMigration, OPTIONAL_COLUMNS, type RecordMigration, TrackingTable } from "./tracking_table.ts";

/** Options for creating a Migrator. */
export interface MigratorOptions {
  /** Receives progress events (lock waits, each migration applied, retries, warnings). */
  onEvent?: EventSink;
}

/** Settings for {@link Migrator.fromDatabase}; everything but the folder has a default. */
export interface MigratorSettings extends Partial<Omit<MigrationSettings, "trackingTable">> {
  migrationsDir: string;
  /** The environment's `lint:` settings, applied by the lint gate of `up`. */
  lint?: { smallTableRows?: number; rules?: Readonly<Record<string, "error" | "warning" | "off">> };
  /** Relative paths in messages start here (default: the working directory). */
  projectDir?: string;
  trackingTable?: TableName | string;
}

/** Options for {@link Migrator.up}. */
export interface UpOptions {
  /** Apply at most this many pending migrations. */
  steps?: number;
  /** Apply pending migrations up to and including this version. */
  target?: string;
  /** Change nothing; report what would run. */
  dryRun?: boolean;
  /** Apply pending migrations older than the newest applied one. */
  allowOutOfOrder?: boolean;
  /** Run the lock-aware lint first and stop on errors (default true). */
  lint?: boolean;
  /** Lint rules allowed for this run, with the reason recorded in each tracking row. */
  allow?: ReadonlyMap<string, string>;
  /**
   * Aborting cancels the running statement on the server (PGlite: stops after it), releases
   * the lock and throws InterruptedError (exit 130); a string `reason` names the signal.
   */
  signal?: AbortSignal;
}

/** Options for {@link Migrator.down}. */
export interface DownOptions {
  /** Roll back this many migrations (default 1). */
  steps?: number;
  /** Roll back every migration newer than this version (`0`: all). */
  target?: string;
  dryRun?: boolean;
  /** As {@link UpOptions.signal}. */
  signal?: AbortSignal;
}

/** A checksum problem found by {@link Migrator.verify}. */
export interface ChecksumIssue {
  version: string;
  name: string;
  file: string;
  kind: "modified" | "missing";
  /** Which part was edited: an edited down file blocks only a rollback through it. */
  part: "up" | "down";
  stored: string | null;
  actual: string | null;
}

/** Result of {@link Migrator.verify}. */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  issues: ChecksumIssue[];
  /** With `accept`: the edited files whose new checksums were recorded. */
  accepted?: ChecksumIssue[];
}

/** Thrown when a migration fails during `up`/`down`; carries what was done before it. */
export class MigrationRunError extends MigrationError {
  readonly result: UpResult | DownResult;
  constructor(cause: MigrationError, result: UpResult | DownResult) {
    super(cause.message, {
      code: cause.code,
      file: cause.file,
      line: cause.line,
      column: cause.column,
      detail: cause.detail,
      hint: cause.hint,
      details: cause.details,
      cause: cause.cause ?? cause,
    });
    this.result = result;
  }
}

const DEFAULTS: Omit<MigrationSettings, "trackingTable"> = {
  lockTimeoutMs: 30_000,
  statementLockTimeoutMs: 5_000,
  statementTimeoutMs: 0,
  lockRetries: 3,
  allowOutOfOrder: false,
};

/** A session on one database for running migrations. Close it (or `await using` it) when done. */
export class Migrator implements AsyncDisposable {
  /** The open database. */
  readonly database: Database;
  readonly migrationsDir: string;
  readonly projectDir: string;
  readonly tracking: TrackingTable;
  readonly settings: Omit<MigrationSettings, "trackingTable">;
  readonly lintSettings: NonNullable<MigratorSettings["lint"]>;
  readonly #ownsDatabase: boolean;
  readonly #emit: EventSink;
  #poolerChecked = false;
  /** The cancel request sent on abort, awaited before reading the state. */
  #cancelled: Promise<void> | undefined;

  private constructor(
    db: Database,
    settings: MigratorSettings,
    ownsDatabase: boolean,
    options: MigratorOptions,
  ) {
    this.database = db;
    this.projectDir = resolve(settings.projectDir ?? ".");
    this.migrationsDir = resolve(settings.migrationsDir, this.projectDir);
    const table = settings.trackingTable ?? "tb_confiture";
    this.tracking = new TrackingTable(typeof table === "string" ? parseTableName(table) : table);
    const { lint, migrationsDir: _dir, projectDir: _project, trackingTable: _table, ...rest } = settings;
    this.settings = { ...DEFAULTS, ...stripUndefined(rest) };
    this.lintSettings = lint ?? {};
    this.#ownsDatabase = ownsDatabase;
    this.#emit = options.onEvent ?? silent;
  }

  /**
   * Open a Migrator from a config file path, a connection URL (`postgres://…`, `pglite:…`), or
   * a loaded Environment. The connection is closed by `close()` / `await using`.
   */
  static async fromConfig(source: string | URL | Environment, options: MigratorOptions = {}): Promise<Migrator> {
    if (typeof source === "object" && !(source instanceof URL)) return Migrator.fromEnvironment(source, options);
    const text = String(source);
    const env = /^(postgres(ql)?|pglite):/i.test(text)
      ? await environmentFromUrl(text)
      : await loadEnvironment({ configFile: text });
    return Migrator.fromEnvironment(env, options);
  }

  /** Open a Migrator for a resolved Environment. */
  static async fromEnvironment(env: Environment, options: MigratorOptions = {}): Promise<Migrator> {
    // Migrations need a real session for the advisory lock: prefer the direct URL when set.
    const target = env.directUrl ? parseDatabaseUrl(env.directUrl, getEnv, env.projectDir) : env.target;
    const db = await openDatabase(target);
    return new Migrator(
      db,
      {
        ...env.migration,
        migrationsDir: env.migrationsDir,
        projectDir: env.projectDir,
        lint: { smallTableRows: env.file.lint.small_table_rows, rules: env.file.lint.rules },
      },
      true,
      options,
    );
  }

  /** A Migrator over a database you opened (and will close yourself). */
  static fromDatabase(db: Database, settings: MigratorSettings, options: MigratorOptions = {}): Migrator {
    return new Migrator(db, settings, false, options);
  }

  /** The migration files, in version order. Naming problems throw ConfigError (exit 5). */
  files(): Promise<MigrationFile[]> {
    return discoverMigrations(this.migrationsDir, this.shown(this.migrationsDir));
  }

  /** Read-only: which migrations are applied, pending, or missing their files. Creates nothing. */
  async status(): Promise<StatusResult> {
    // The folder is read while the database answers.
    const filesRead = this.files();
    filesRead.catch(() => {});
    const where = await this.tracking.locate(this.database);
    const applied = where.exists ? await this.tracking.applied(this.database, where.optionalColumns) : [];
    const partial = where.exists ? await this.tracking.partialRuns(this.database, where.hasProgress) : [];
    const files = await filesRead;
    const appliedByKey = new Map(applied.map((a) => [versionKey(a.version), a]));
    const fileKeys = new Set(files.map((f) => versionKey(f.version)));
    const migrations: MigrationStatus[] = files.map((f) => {
      const row = appliedByKey.get(versionKey(f.version));
      const run = partial.find((p) => sameVersion(p.version, f.version) && p.direction === (row ? "down" : "up"));
      const entry: MigrationStatus = {
        version: f.version,
        name: f.name,
        status: run ? "partial" : row ? "applied" : "pending",
        applied_at: row?.applied_at ?? null,
      };
      if (run) {
        entry.stopped_at = {
          direction: run.direction,
          statement: run.statements_done + 1,
          of: run.statements_total,
          line: run.next_line,
          error: run.last_error,
        };
      }
      return entry;
    });
    for (const row of applied) {
      if (!fileKeys.has(versionKey(row.version))) {
        migrations.push({ version: row.version, name: row.name, status: "missing", applied_at: row.applied_at });
      }
    }
    migrations.sort((a, b) => orderVersions(a.version, b.version));
    return new StatusResult({ tracking_table: where.qualified, migrations, initialized: where.exists });
  }

  /** Apply pending migrations in order, each in its own transaction with its tracking row. */
  async up(options: UpOptions = {}): Promise<UpResult> {
    const started = performance.now();
    // The SQL parser takes ~100 ms to load; let that overlap with the lock and catalog queries.
    preloadParser();
    const files = await this.files();
    const texts = new MigrationTexts();
    const allowOutOfOrder = options.allowOutOfOrder ?? this.settings.allowOutOfOrder;
    if (options.dryRun) {
      const where = await this.tracking.locate(this.database);
      const applied = where.exists ? await this.tracking.applied(this.database, where.optionalColumns) : [];
      this.assertChecksums(files, applied, texts);
      const plan = planUp(files, applied, { ...options, allowOutOfOrder });
      const scripts = await this.prepareAll(plan.toApply.map((f) => f.upPath), texts);
      await this.lintGate(this.database, plan.toApply, options, texts);
      return {
        applied: [],
        skipped: plan.skipped.map((f) => f.version),
        errors: [],
        total_duration_ms: 0,
        migrations: [],
        dry_run: true,
        plan: plan.toApply.map((f, i) =>
          this.describe(f, f.upPath, scripts[i], `INSERT INTO ${this.tracking.displayName} … -- record ${f.version}`)
        ),
      };
    }
    const signal = options.signal;
    return await this.locked(signal, async (session) => {
      // A complete table is left alone: its DDL would take an exclusive lock on every run.
      const where = await this.tracking.locate(session);
      if (!where.exists || OPTIONAL_COLUMNS.some((c) => !where.optionalColumns.has(c))) {
        await this.tracking.ensure(session);
      }
      const applied = await this.tracking.applied(session, new Set(OPTIONAL_COLUMNS));
      this.assertChecksums(files, applied, texts);
      const plan = planUp(files, applied, { ...options, allowOutOfOrder });
      // Parse every file before running any, so a syntax error changes nothing.
      const scripts = await this.prepareAll(plan.toApply.map((f) => f.upPath), texts);
      const allowed = await this.lintGate(session, plan.toApply, options, texts);
      const runs: MigrationRun[] = [];
      const result = (errors: MigrationFailure[]): UpResult => ({
        applied: runs.map((r) => r.version),
        skipped: plan.skipped.map((f) => f.version),
        errors,
        total_duration_ms: Math.round(performance.now() - started),
        migrations: runs,
        dry_run: false,
      });
      const records = plan.toApply.map((f) => this.recordFor(f, texts));
      const targets = plan.toApply.map((f, i) => this.runTarget(f, "up", scripts[i], records[i].checksum));
      // Every migration but the last commits without waiting for its WAL flush; the last one's
      // synchronous commit flushes them all, since WAL is written in order. A crash in between
      // can only lose whole migrations together with their tracking rows, never half of one.
      let unflushed = false;
      // On a server, up to PIPELINE transactional migrations are sent before the first answers,
      // so the connection never idles between them. Each one sent behind another starts with a
      // guard that fails its own transaction unless its predecessor's tracking row is
      // committed: a failure stops everything behind it, exactly as if they had waited.
      const window = this.database.backend === "pglite" ? 1 : PIPELINE;
      const n = plan.toApply.length;
      const inFlight: { i: number; sent: number; done: Promise<RunOutcome> }[] = [];
      let next = 0;
      let announced = 0;
      let lastDone = performance.now();
      const record = (i: number) => ({ ...records[i], lintAllowed: allowed(plan.toApply[i].version) });
      const asyncCommitOf = (i: number) => i < n - 1 && scripts[i].mode === "transaction";
      const settled = (i: number, run: MigrationRun) => {
        runs.push(run);
        lastDone = performance.now();
        unflushed = asyncCommitOf(i);
      };
      try {
        while (next < n || inFlight.length > 0) {
          if (signal?.aborted && inFlight.length === 0) throw new InterruptedError("interrupted");
          while (
            next < n && inFlight.length < window && scripts[next].mode === "transaction" && !signal?.aborted
          ) {
            const i = next++;
            const file = plan.toApply[i];
            const guard = inFlight.length > 0 ? this.tracking.guardSql(plan.toApply[i - 1].version) : undefined;
            // Migrations refused behind a failed one are sent again later: announce them once.
            if (i >= announced) {
              announced = i + 1;
              this.#emit({ type: "migration.start", direction: "up", version: file.version, name: file.name });
            }
            const done = runScript(
              session,
              scripts[i],
              targets[i],
              this.tracking,
              (executionTimeMs) => this.tracking.recordSql({ ...record(i), executionTimeMs }),
              { asyncCommit: asyncCommitOf(i), guard, oneMessage: true },
            );
            done.catch(() => {}); // awaited in order below
            inFlight.push({ i, sent: performance.now(), done });
          }
          const head = inFlight.shift();
          if (!head) {
            // A migration that cannot run in one transaction runs alone.
            const i = next++;
            settled(
              i,
              await this.applyOne(session, plan.toApply[i], targets[i], scripts[i], record(i), false, 0, true, signal),
            );
            continue;
          }
          try {
            await head.done;
            const file = plan.toApply[head.i];
            const run = {
              version: file.version,
              name: file.name,
              duration_ms: Math.round(performance.now() - Math.max(head.sent, lastDone)),
            };
            settled(head.i, run);
            this.emitDone(run, "up");
          } catch (e) {
            // Everything sent behind it was refused by its guard; send it again after this one.
            await Promise.allSettled(inFlight.map((f) => f.done));
            inFlight.length = 0;
            if (signal?.aborted || e instanceof ConnectionError) throw e;
            next = head.i + 1;
            const file = plan.toApply[head.i];
            const again = (firstAttempt: number) =>
              this.applyOne(
                session,
                file,
                targets[head.i],
                scripts[head.i],
                record(head.i),
                asyncCommitOf(head.i),
                firstAttempt,
                false,
                signal,
              );
            if (e instanceof ReplayNeeded) {
              // Nothing of it committed. Statement by statement, a lasting error names its
              // statement; a lock timeout counts as the first of its retries.
              if (e.error.sqlstate !== "55P03") settled(head.i, await again(0));
              else if (this.settings.lockRetries < 1) {
                throw toMigrationError(e.error, targets[head.i], scripts[head.i].text);
              } else {
                await this.retryPause(file, 0);
                settled(head.i, await again(1));
              }
              continue;
            }
            if (!isLockTimeout(e) || this.settings.lockRetries < 1) throw e;
            await this.retryPause(file, 0);
            settled(head.i, await again(1));
          }
        }
      } catch (e) {
        const stop = await this.stopped(e, "up", plan.toApply, scripts, runs.length, session, signal);
        if (stop) throw stop;
        if (e instanceof MigrationError) {
          const failed = plan.toApply[runs.length];
          const target = failed ? targets[runs.length] : undefined;
          throw new MigrationRunError(e, result(target ? [describeFailure(e, target)] : []));
        }
        throw e;
      } finally {
        // Stopped early: make what did commit durable before returning.
        if (unflushed) await session.execTransaction(["SELECT txid_current()"]).catch(() => {});
      }
      return result([]);
    });
  }

  /** Roll back applied migrations, newest first, each in one transaction with its row delete. */
  async down(options: DownOptions = {}): Promise<DownResult> {
    const started = performance.now();
    const files = await this.files();
    if (options.dryRun) {
      const where = await this.tracking.locate(this.database);
      const applied = where.exists ? await this.tracking.applied(this.database, where.optionalColumns) : [];
      const steps = planDown(files, applied, options);
      const texts = new MigrationTexts();
      this.assertDownChecksums(steps, texts);
      const scripts = await this.prepareAll(steps.map((s) => s.downPath), texts);
      return {
        rolled_back: [],
        skipped: [],
        errors: [],
        total_duration_ms: 0,
        migrations: [],
        dry_run: true,
        plan: steps.map((s, i) =>
          this.describe(
            s.file,
            s.downPath,
            scripts[i],
            `DELETE FROM ${this.tracking.displayName} WHERE version = '${s.applied.version}';`,
          )
        ),
      };
    }
    const signal = options.signal;
    return await this.locked(signal, async (session) => {
      const where = await this.tracking.locate(session);
      const applied = where.exists ? await this.tracking.applied(session, where.optionalColumns) : [];
      const steps = planDown(files, applied, options);
      const texts = new MigrationTexts();
      this.assertDownChecksums(steps, texts);
      const scripts = await this.prepareAll(steps.map((s) => s.downPath), texts);
      const runs: MigrationRun[] = [];
      const result = (errors: MigrationFailure[]): DownResult => ({
        rolled_back: runs.map((r) => r.version),
        skipped: [],
        errors,
        total_duration_ms: Math.round(performance.now() - started),
        migrations: runs,
        dry_run: false,
      });
      for (const [i, step] of steps.entries()) {
        const target = this.runTarget(step.file, "down", scripts[i]);
        try {
          if (signal?.aborted) throw new InterruptedError("interrupted");
          this.#emit({ type: "migration.start", direction: "down", version: step.file.version, name: step.file.name });
          const t0 = performance.now();
          await runScript(
            session,
            scripts[i],
            target,
            this.tracking,
            () => this.tracking.removeSql(step.applied.version),
            { signal },
          );
          const run = {
            version: step.file.version,
            name: step.file.name,
            duration_ms: Math.round(performance.now() - t0),
          };
          runs.push(run);
          this.emitDone(run, "down");
        } catch (e) {
          const files = steps.map((s) => s.file);
          const stop = await this.stopped(e, "down", files, scripts, runs.length, session, signal);
          if (stop) throw stop;
          if (e instanceof MigrationError) throw new MigrationRunError(e, result([describeFailure(e, target)]));
          throw e;
        }
      }
      return result([]);
    });
  }

  /**
   * Mark migrations applied without running them, through `through` (a version or
   * `version_name`), to adopt a database whose schema already exists.
   */
  async baseline(options: { through: string; dryRun?: boolean }): Promise<BaselineResult> {
    const files = await this.files();
    const chosen = filesThrough(files, options.through);
    const run = async (session: ReservedSession | Database, dryRun: boolean) => {
      const where = await this.tracking.locate(session);
      const applied = where.exists ? await this.tracking.applied(session, where.optionalColumns) : [];
      const already = chosen.filter((f) => findApplied(applied, f.version));
      const toMark = chosen.filter((f) => !findApplied(applied, f.version));
      if (!dryRun) {
        await this.tracking.ensure(session);
        await session.transaction(async (tx) => {
          const texts = new MigrationTexts();
          for (const f of toMark) await this.tracking.record(tx, this.recordFor(f, texts, "baseline"));
        });
      }
      return { marked: toMark.map((f) => f.version), already_applied: already.map((f) => f.version), dry_run: dryRun };
    };
    if (options.dryRun) return await run(this.database, true);
    return await this.locked(undefined, (session) => run(session, false));
  }

  /** Rebuild the tracking rows from the files (after squashing or renumbering migrations). */
  async reinit(options: { through?: string; dryRun?: boolean } = {}): Promise<ReinitResult> {
    const files = await this.files();
    const chosen = options.through === undefined ? files : filesThrough(files, options.through);
    const run = async (session: ReservedSession | Database, dryRun: boolean) => {
      const where = await this.tracking.locate(session);
      if (dryRun) {
        const rows = where.exists ? await this.tracking.applied(session, where.optionalColumns) : [];
        return { deleted: rows.length, marked: chosen.map((f) => f.version), dry_run: true };
      }
      await this.tracking.ensure(session);
      let deleted = 0;
      await session.transaction(async (tx) => {
        deleted = await this.tracking.clear(tx);
        const texts = new MigrationTexts();
        for (const f of chosen) await this.tracking.record(tx, this.recordFor(f, texts, "reinit"));
      });
      return { deleted, marked: chosen.map((f) => f.version), dry_run: false };
    };
    if (options.dryRun) return await run(this.database, true);
    return await this.locked(undefined, (session) => run(session, false));
  }

  /**
   * Compare every applied migration's files with the checksums stored when it was applied.
   * With `accept`, record the edited files' new checksums, under the lock, in one transaction.
   */
  async verify(options: { accept?: boolean } = {}): Promise<VerifyResult> {
    const files = await this.files();
    const check = async (q: Queryable) => {
      const where = await this.tracking.locate(q);
      const applied = where.exists ? await this.tracking.applied(q, where.optionalColumns) : [];
      return { applied, issues: this.checksumIssues(files, applied, new MigrationTexts()) };
    };
    if (!options.accept) {
      const { applied, issues } = await check(this.database);
      return { ok: issues.length === 0, checked: applied.length, issues };
    }
    return await this.locked(undefined, async (session) => {
      const { applied, issues } = await check(session);
      const accepted = issues.filter((i) => i.kind === "modified");
      await session.transaction(async (tx) => {
        for (const i of accepted) {
          const column = i.part === "up" ? "checksum" : "down_checksum";
          await tx.query(`UPDATE ${this.tracking.sqlName} SET ${column} = $1 WHERE version = $2`, [
            i.actual,
            i.version,
          ]);
        }
      });
      const left = issues.filter((i) => i.kind !== "modified");
      return { ok: left.length === 0, checked: applied.length, issues: left, accepted };
    });
  }

  /** Close the connection if this Migrator opened it. */
  async close(): Promise<void> {
    if (this.#ownsDatabase) await this.database.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- internals ---

  private async locked<T>(
    signal: AbortSignal | undefined,
    fn: (session: ReservedSession) => Promise<T>,
  ): Promise<T> {
    if (!this.#poolerChecked) {
      if (await usesTransactionPooler(this.database)) throw pooledConnectionError(this.database.label);
      this.#poolerChecked = true;
    }
    const session = await this.database.reserve();
    // A killed deployer's backend notices the lost client within a second and releases the
    // lock (PostgreSQL 14+; older servers ignore this).
    await session.exec(CONNECTION_CHECK).catch(() => {});
    // Cancel what runs now; the code stops before sending more (see up/down).
    const onAbort = () => {
      this.#cancelled = session.cancel?.().catch(() => {});
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal?.aborted) throw new InterruptedError("interrupted");
      return await withMigrationLock(
        session,
        { timeoutMs: this.settings.lockTimeoutMs, onEvent: this.#emit },
        async () => {
          await this.tracking.pinSchema(session);
          return await fn(session);
        },
      );
    } catch (e) {
      if (signal?.aborted && !(e instanceof InterruptedError && e.message !== "interrupted")) {
        throw new InterruptedError(
          `Interrupted by ${signalName(signal)} before any migration ran; nothing was changed`,
          { details: { signal: signalName(signal) } },
        );
      }
      throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      // What the last migration did to its session stays with it, not with the pool.
      await session.exec(RESET_SESSION).catch(() => {});
      await session.release();
    }
  }

  /**
   * The error to throw when `up`/`down` stopped for a lost connection or an interruption,
   * naming what is applied and what is not; undefined for any other failure.
   */
  private async stopped(
    e: unknown,
    direction: "up" | "down",
    files: readonly MigrationFile[],
    scripts: readonly MigrationScript[],
    finished: number,
    session: ReservedSession,
    signal: AbortSignal | undefined,
  ): Promise<ConnectionError | InterruptedError | undefined> {
    const interrupted = signal?.aborted === true;
    if (!interrupted && !(e instanceof ConnectionError)) return undefined;
    // A late cancel must not hit the queries below.
    await this.#cancelled;
    const planned: PlannedStep[] = files.map((f, i) => ({ version: f.version, name: f.name, mode: scripts[i].mode }));
    // Interrupted, the session still answers; after a lost one, the pool reconnects if it can.
    const recorded = await this.readRecorded(interrupted ? session : this.database);
    return stopError(
      interrupted
        ? { kind: "interrupted", signal: signalName(signal!) }
        : { kind: "connection", error: e as ConnectionError },
      direction,
      planned,
      finished,
      recorded,
    );
  }

  /** The tracking rows and journal, if the database answers within a few seconds. */
  private async readRecorded(q: Queryable): Promise<Recorded | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (async () => {
      const where = await this.tracking.locate(q);
      if (!where.exists) return { applied: new Set<string>(), partial: [] };
      const applied = await this.tracking.applied(q, where.optionalColumns);
      const partial = await this.tracking.partialRuns(q, where.hasProgress);
      return { applied: new Set(applied.map((a) => versionKey(a.version))), partial };
    })();
    read.catch(() => {});
    try {
      return await Promise.race([
        read,
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 3000))),
      ]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async applyOne(
    session: ReservedSession,
    file: MigrationFile,
    target: RunTarget,
    script: MigrationScript,
    record: RecordMigration,
    asyncCommit: boolean,
    firstAttempt = 0,
    announce = firstAttempt === 0,
    signal?: AbortSignal,
  ): Promise<MigrationRun> {
    if (announce) {
      this.#emit({ type: "migration.start", direction: "up", version: file.version, name: file.name });
    }
    for (let attempt = firstAttempt;; attempt++) {
      const t0 = performance.now();
      try {
        const outcome = await runScript(
          session,
          script,
          target,
          this.tracking,
          (executionTimeMs) => this.tracking.recordSql({ ...record, executionTimeMs }),
          { asyncCommit, signal },
        );
        for (const index of outcome.rebuilt ?? []) {
          this.#emit({
            type: "info",
            message: `${file.version}_${file.name}: dropped the INVALID index ${index} that an interrupted ` +
              "CREATE INDEX CONCURRENTLY left, to build it again",
          });
        }
        if (outcome.resumedAt !== undefined) {
          this.#emit({
            type: "info",
            message: `${file.version}_${file.name}: resumed at statement ${
              outcome.resumedAt + 1
            } of ${script.statements.length}`,
          });
        }
        const run = { version: file.version, name: file.name, duration_ms: Math.round(performance.now() - t0) };
        this.emitDone(run, "up");
        return run;
      } catch (e) {
        // Only a whole-transaction migration can be retried safely from the start.
        if (
          !isLockTimeout(e) || script.mode !== "transaction" || attempt >= this.settings.lockRetries ||
          signal?.aborted
        ) throw e;
        await this.retryPause(file, attempt);
      }
    }
  }

  private emitDone(run: MigrationRun, direction: "up" | "down"): void {
    this.#emit({
      type: "migration.done",
      direction,
      version: run.version,
      name: run.name,
      durationMs: run.duration_ms,
    });
  }

  /** Announce and wait out the jittered backoff before retry `attempt + 1`. */
  private async retryPause(file: MigrationFile, attempt: number): Promise<void> {
    const delayMs = Math.round(200 * 2 ** attempt * (0.5 + Math.random()));
    this.#emit({
      type: "migration.retry",
      version: file.version,
      name: file.name,
      attempt: attempt + 1,
      delayMs,
      reason: "lock_timeout waiting for a table lock",
    });
    await new Promise((r) => setTimeout(r, delayMs));
  }

  /**
   * Run the lock-aware lint over the pending files; throw when it finds errors nobody allowed.
   * Returns the allowed findings per version, for the tracking rows. Loaded lazily: the parser
   * and rules cost nothing when there is nothing to apply.
   */
  private async lintGate(
    db: Queryable,
    pending: MigrationFile[],
    options: UpOptions,
    texts: MigrationTexts,
  ): Promise<(version: string) => unknown> {
    if (options.lint === false || pending.length === 0) return () => undefined;
    const { lintMigrationFiles } = await import("../lint/read_migrations.ts");
    const { allowedFindings, lintBlockedError } = await import("../lint/lint_gate.ts");
    const result = await lintMigrationFiles(pending, {
      db,
      reversibility: false,
      statementLockTimeoutMs: this.settings.statementLockTimeoutMs,
      allow: options.allow,
      settings: this.lintSettings,
      projectDir: this.projectDir,
      read: (path) => texts.text(path),
    });
    if (!result.ok) throw lintBlockedError(result);
    for (const f of result.findings.filter((f) => f.severity === "warning" && !f.allowed)) {
      this.#emit({ type: "warning", message: `${f.file}:${f.line}:${f.column}: [${f.rule}] ${f.message}` });
    }
    return (version) => {
      const found = allowedFindings(result, version);
      return found.length > 0 ? found : undefined;
    };
  }

  private prepareAll(paths: string[], texts: MigrationTexts): Promise<MigrationScript[]> {
    return Promise.all(paths.map((path) => prepareScript(texts.text(path), this.shown(path), this.settings)));
  }

  private recordFor(file: MigrationFile, texts: MigrationTexts, slugSuffix?: string) {
    return {
      version: file.version,
      name: file.name,
      slugSuffix,
      executionTimeMs: 0,
      checksum: migrationChecksum(texts.text(file.upPath)),
      downChecksum: file.downPath ? migrationChecksum(texts.text(file.downPath)) : null,
    };
  }

  private checksumIssues(files: MigrationFile[], applied: AppliedMigration[], texts: MigrationTexts): ChecksumIssue[] {
    const filesByKey = new Map(files.map((f) => [versionKey(f.version), f]));
    return applied.flatMap((row) => {
      const issues: ChecksumIssue[] = [];
      const file = filesByKey.get(versionKey(row.version));
      if (!file) {
        issues.push({
          version: row.version,
          name: row.name,
          file: `${row.version}_${row.name}.up.sql`,
          kind: "missing",
          part: "up",
          stored: row.checksum,
          actual: null,
        });
        return issues;
      }
      const check = (
        stored: string | null | undefined,
        path: string,
        part: "up" | "down",
        raw?: () => Uint8Array,
      ) => {
        if (!stored) return;
        const text = texts.text(path);
        if (checksumMatches(stored, text, raw)) return;
        issues.push({
          version: row.version,
          name: row.name,
          file: this.shown(path),
          kind: "modified",
          part,
          stored,
          actual: migrationChecksum(text),
        });
      };
      // The Python original stored the up file's raw-bytes checksum.
      check(row.checksum, file.upPath, "up", () => readBytesSync(file.upPath));
      if (file.downPath) check(row.down_checksum, file.downPath, "down");
      return issues;
    });
  }

  private assertChecksums(files: MigrationFile[], applied: AppliedMigration[], texts: MigrationTexts): void {
    const all = this.checksumIssues(files, applied, texts).filter((i) => i.kind === "modified");
    // An edited down file never gates `up`: it blocks only a rollback through it.
    for (const i of all.filter((i) => i.part === "down")) {
      this.#emit({ type: "warning", message: editedDownMessage(i) });
    }
    const modified = all.filter((i) => i.part === "up");
    if (modified.length === 0) return;
    const lines = modified.map((i) =>
      `${i.file} was edited after it was applied (stored ${i.stored}, now ${i.actual})`
    );
    throw new ConfigError(
      lines.length === 1 ? lines[0] : `${lines.length} applied migrations were edited:\n  ${lines.join("\n  ")}`,
      {
        code: "CHECKSUM_MISMATCH",
        file: modified[0].file,
        problems: lines,
        hint:
          "Revert the edit and put the change in a new migration; if the edit changes nothing that ran (a comment), record it with `confiture migrate verify --accept`",
        details: { mismatches: modified },
      },
    );
  }

  /** Refuse a rollback through a migration whose down file was edited after it was applied. */
  private assertDownChecksums(steps: ReturnType<typeof planDown>, texts: MigrationTexts): void {
    const modified = this.checksumIssues(steps.map((s) => s.file), steps.map((s) => s.applied), texts)
      .filter((i) => i.kind === "modified" && i.part === "down");
    if (modified.length === 0) return;
    const lines = modified.map((i) => `${i.file} was edited after ${i.version} was applied`);
    throw new ConfigError(
      lines.length === 1 ? lines[0] : `${lines.length} down files were edited:\n  ${lines.join("\n  ")}`,
      {
        code: "DOWN_CHECKSUM_MISMATCH",
        file: modified[0].file,
        problems: lines,
        hint:
          "Check that the edited down file undoes what its up file did, then record it with `confiture migrate verify --accept`; nothing was rolled back",
        details: { mismatches: modified },
      },
    );
  }

  /** What is being run, for messages and the journal; `checksum` when the caller already has it. */
  private runTarget(
    file: MigrationFile,
    direction: "up" | "down",
    script: MigrationScript,
    checksum?: string,
  ): RunTarget {
    const path = direction === "up" ? file.upPath : file.downPath ?? file.upPath;
    return {
      version: file.version,
      name: file.name,
      shownPath: this.shown(path),
      direction,
      checksum: checksum ?? migrationChecksum(script.text),
    };
  }

  private describe(file: MigrationFile, path: string, script: MigrationScript, bookkeeping: string): PlannedMigration {
    return {
      version: file.version,
      name: file.name,
      file: this.shown(path),
      mode: script.mode,
      sql: renderScript(script, bookkeeping),
    };
  }

  private shown(path: string): string {
    const rel = relative(this.projectDir, path);
    return rel.startsWith("..") ? path : rel;
  }
}

/** How many transactional migrations `up` sends ahead on a server connection. */
const PIPELINE = 8;

function editedDownMessage(i: ChecksumIssue): string {
  return `${i.file} was edited after ${i.version} was applied: a rollback through it is refused until \`confiture migrate verify --accept\` records the new text`;
}

function signalName(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "an abort signal";
}

function isLockTimeout(e: unknown): boolean {
  return e instanceof MigrationError && e.code === "LOCK_TIMEOUT_IN_MIGRATION";
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameVersion(a: string, b: string): boolean {
  return versionKey(a) === versionKey(b);
}

function orderVersions(a: string, b: string): number {
  if (isVersion(a) && isVersion(b)) return compareVersions(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function findApplied(applied: AppliedMigration[], version: string): AppliedMigration | undefined {
  const key = versionKey(version);
  return applied.find((a) => versionKey(a.version) === key);
}

function filesThrough(files: MigrationFile[], through: string): MigrationFile[] {
  const stem = /^(\d+)(?:_(.+))?$/.exec(through);
  const idx = stem ? files.findIndex((f) => sameVersion(f.version, stem[1]) && (!stem[2] || stem[2] === f.name)) : -1;
  if (idx < 0) {
    const known = files.slice(-10).map((f) => f.version).join(", ");
    throw new ConfigError(
      `Unknown version "${through}"${known ? `; known versions end with: ${known}` : ": there are no migration files"}`,
    );
  }
  return files.slice(0, idx + 1);
}

export { toMigrationError };
