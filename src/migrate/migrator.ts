/**
 * The Migrator: the library API of the Migrate medium. It returns typed results and never
 * prints; progress leaves through `onEvent`. The CLI is a thin layer over exactly this API.
 * This entry only sequences the workflows; their parts live beside it: the pipeline
 * scheduler (`pipeline.ts`), the locked session (`locked_session.ts`), lock-retry backoff
 * (`lock_retry.ts`), the status join (`status.ts`), checksum checks (`checksum_check.ts`),
 * the lint gate (`lint_step.ts`) and config resolution (`../config/resolve.ts`).
 *
 * @example
 * ```ts ignore
 * import { Migrator } from "./migrator.ts";
 *
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
import type { Environment, MigrationSettings } from "../config/environment.ts";
import { DEFAULT_TRACKING_TABLE, MIGRATION_DEFAULTS } from "../config/defaults.ts";
import { parseTableName } from "../config/load.ts";
import { type ConfigSource, migrationTarget, resolveEnvironment } from "../config/resolve.ts";
import type { Database, Queryable } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import { extensionsCreatedByMigrations } from "./extensions.ts";
import { MigrationError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { resolve } from "../platform/path.ts";
import { describeFailure, toMigrationError } from "./apply.ts";
import { preloadParser } from "../sql/parser.ts";
import {
  assertDownChecksums,
  assertUpChecksums,
  type ChecksumIssue,
  checksumIssues,
  type VerifyResult,
} from "./checksum_check.ts";
import { type MigrationFile, MigrationTexts, versionKey } from "./files.ts";
import { lintPending } from "./lint_step.ts";
import { LockedSessions } from "./locked_session.ts";
import { MigrationSource } from "./migration_source.ts";
import type { DownOptions, MigratorOptions, MigratorSettings, UpOptions } from "./options.ts";
import { PIPELINE_DEPTH, UpPipeline } from "./pipeline.ts";
import { planDown, planUp } from "./plan.ts";
import {
  type BaselineResult,
  type DownResult,
  type MigrationFailure,
  type MigrationRun,
  type ReinitResult,
  StatusResult,
  type UpResult,
} from "./results.ts";
import { rollBack } from "./rollback.ts";
import { markBaseline, rebuildRows, type RowsContext } from "./tracking_rows.ts";
import { MigrationDownError, MigrationRunError, MigrationUpError } from "./run_error.ts";
import { joinStatus } from "./status.ts";
import { JournalState } from "./journal_state.ts";
import { OPTIONAL_COLUMNS, TrackingTable } from "./tracking_table.ts";

export type { ChecksumIssue, DownOptions, MigratorOptions, MigratorSettings, UpOptions, VerifyResult };
export { MigrationDownError, MigrationRunError, MigrationUpError, toMigrationError };

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
  readonly #sessions: LockedSessions;
  readonly #source: MigrationSource;

  private constructor(
    db: Database,
    settings: MigratorSettings,
    ownsDatabase: boolean,
    options: MigratorOptions,
  ) {
    this.database = db;
    this.projectDir = resolve(settings.projectDir ?? ".");
    this.migrationsDir = resolve(settings.migrationsDir, this.projectDir);
    const table = settings.trackingTable ?? DEFAULT_TRACKING_TABLE;
    this.tracking = new TrackingTable(typeof table === "string" ? parseTableName(table) : table);
    const { lint, migrationsDir: _dir, projectDir: _project, trackingTable: _table, ...rest } = settings;
    this.settings = { ...MIGRATION_DEFAULTS, ...stripUndefined(rest) };
    this.lintSettings = lint ?? {};
    this.#ownsDatabase = ownsDatabase;
    this.#emit = options.onEvent ?? silent;
    this.#source = new MigrationSource(this.migrationsDir, this.projectDir, this.settings);
    this.#sessions = new LockedSessions(db, this.tracking, this.settings.lockTimeoutMs, this.#emit);
  }

  /**
   * Open a Migrator from a config file path, a connection URL (`postgres://…`, `pglite:…`), or
   * a loaded Environment. The connection is closed by `close()` / `await using`.
   */
  static async fromConfig(source: ConfigSource, options: MigratorOptions = {}): Promise<Migrator> {
    return Migrator.fromEnvironment(await resolveEnvironment(source), options);
  }

  /** Open a Migrator for a resolved Environment. */
  static async fromEnvironment(env: Environment, options: MigratorOptions = {}): Promise<Migrator> {
    const target = migrationTarget(env);
    // PGlite loads a contrib extension's bundle only when opened with it: those the chain creates.
    // (A folder that cannot be read is reported by the command itself, with its own message.)
    const extensions = target.kind === "pglite"
      ? await extensionsCreatedByMigrations(env.migrationsDir).catch(() => [])
      : undefined;
    // On a server, the first locked run checks for a transaction pooler on two sessions at once:
    // both connect now, in parallel (the second, opened then, cost ~25 ms of every `up`).
    const db = await openDatabase(target, { extensions, connections: 2 });
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
    return this.#source.files();
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
    const issues = checksumIssues(files, applied, new MigrationTexts(), (p) => this.#source.shown(p))
      .filter((i) => i.kind === "modified");
    const edited = {
      up: new Set(issues.filter((i) => i.part === "up").map((i) => versionKey(i.version))),
      down: new Set(issues.filter((i) => i.part === "down").map((i) => versionKey(i.version))),
    };
    const migrations = joinStatus(files, applied, partial, edited);
    return new StatusResult({
      database: this.database.label,
      tracking_table: where.qualified,
      migrations,
      initialized: where.exists,
    });
  }

  /** Apply pending migrations in order, each in its own transaction with its tracking row. */
  async up(options: UpOptions = {}): Promise<UpResult> {
    const started = performance.now();
    // The SQL parser takes ~100 ms to load; let that overlap with the lock and catalog queries.
    preloadParser();
    const files = await this.files();
    const texts = new MigrationTexts();
    const allowOutOfOrder = options.allowOutOfOrder ?? this.settings.allowOutOfOrder;
    const shown = (path: string) => this.#source.shown(path);
    if (options.dryRun) {
      const where = await this.tracking.locate(this.database);
      const applied = where.exists ? await this.tracking.applied(this.database, where.optionalColumns) : [];
      assertUpChecksums(files, applied, texts, shown, this.#emit);
      const plan = planUp(files, applied, { ...options, allowOutOfOrder });
      const scripts = await this.#source.prepareAll(plan.toApply.map((f) => f.upPath), texts);
      await this.lintGate(this.database, plan.toApply, options, texts);
      return {
        applied: [],
        skipped: plan.skipped.map((f) => f.version),
        errors: [],
        total_duration_ms: 0,
        migrations: [],
        dry_run: true,
        plan: plan.toApply.map((f, i) =>
          this.#source.describe(
            f,
            f.upPath,
            scripts[i],
            `INSERT INTO ${this.tracking.displayName} … -- record ${f.version}`,
          )
        ),
      };
    }
    const signal = options.signal;
    return await this.#sessions.run(signal, async (session, where) => {
      // A complete table is left alone: its DDL would take an exclusive lock on every run.
      if (!where.exists || OPTIONAL_COLUMNS.some((c) => !where.optionalColumns.has(c))) {
        await this.tracking.ensure(session);
      }
      const applied = await this.tracking.applied(session, new Set(OPTIONAL_COLUMNS));
      assertUpChecksums(files, applied, texts, shown, this.#emit);
      const plan = planUp(files, applied, { ...options, allowOutOfOrder });
      // Parse every file before running any, so a syntax error changes nothing.
      const scripts = await this.#source.prepareAll(plan.toApply.map((f) => f.upPath), texts);
      const allowed = await this.lintGate(session, plan.toApply, options, texts);
      const steps = plan.toApply.map((file, i) => {
        const record = this.#source.recordFor(file, texts);
        return {
          file,
          script: scripts[i],
          target: this.#source.runTarget(file, "up", scripts[i], record.checksum),
          record: { ...record, lintAllowed: allowed(file.version) },
        };
      });
      const pipeline = new UpPipeline({
        session,
        tracking: this.tracking,
        steps,
        // On a server, transactional migrations are sent ahead so the connection never idles.
        depth: this.database.capabilities.pipelining ? PIPELINE_DEPTH : 1,
        // What PGlite reports applied must survive a kill -9 of the process (its own server).
        asyncCommit: this.database.capabilities.asyncCommit,
        lockRetries: this.settings.lockRetries,
        signal,
        emit: this.#emit,
        // Absent before the schema was pinned is absent (true is checked again when needed).
        journal: new JournalState(where.hasProgress ? undefined : false),
      });
      const runs = pipeline.runs;
      const result = (errors: MigrationFailure[]): UpResult => ({
        applied: runs.map((r) => r.version),
        skipped: plan.skipped.map((f) => f.version),
        errors,
        total_duration_ms: Math.round(performance.now() - started),
        migrations: runs,
        dry_run: false,
      });
      try {
        await pipeline.run();
      } catch (e) {
        const stop = await this.#sessions.stopped(e, "up", plan.toApply, scripts, runs.length, session, signal);
        if (stop) throw stop;
        if (e instanceof MigrationError) {
          const failed = steps[runs.length];
          throw new MigrationUpError(e, result(failed ? [describeFailure(e, failed.target)] : []));
        }
        throw e;
      } finally {
        // Stopped early: make what did commit durable before returning.
        await pipeline.flush();
      }
      return result([]);
    });
  }

  /** Roll back applied migrations, newest first, each in one transaction with its row delete. */
  async down(options: DownOptions = {}): Promise<DownResult> {
    const started = performance.now();
    const files = await this.files();
    const shown = (path: string) => this.#source.shown(path);
    if (options.dryRun) {
      const where = await this.tracking.locate(this.database);
      const applied = where.exists ? await this.tracking.applied(this.database, where.optionalColumns) : [];
      const steps = planDown(files, applied, options);
      const texts = new MigrationTexts();
      assertDownChecksums(steps, texts, shown);
      const scripts = await this.#source.prepareAll(steps.map((s) => s.downPath), texts);
      return {
        rolled_back: [],
        skipped: [],
        errors: [],
        total_duration_ms: 0,
        migrations: [],
        dry_run: true,
        plan: steps.map((s, i) =>
          this.#source.describe(
            s.file,
            s.downPath,
            scripts[i],
            `DELETE FROM ${this.tracking.displayName} WHERE version = '${s.applied.version}';`,
          )
        ),
      };
    }
    const signal = options.signal;
    return await this.#sessions.run(signal, async (session) => {
      const where = await this.tracking.locate(session);
      const applied = where.exists ? await this.tracking.applied(session, where.optionalColumns) : [];
      const steps = planDown(files, applied, options);
      const texts = new MigrationTexts();
      assertDownChecksums(steps, texts, shown);
      const scripts = await this.#source.prepareAll(steps.map((s) => s.downPath), texts);
      const runs: MigrationRun[] = [];
      const result = (errors: MigrationFailure[]): DownResult => ({
        rolled_back: runs.map((r) => r.version),
        skipped: [],
        errors,
        total_duration_ms: Math.round(performance.now() - started),
        migrations: runs,
        dry_run: false,
      });
      const toRun = steps.map((step, i) => ({
        file: step.file,
        script: scripts[i],
        target: this.#source.runTarget(step.file, "down", scripts[i]),
        appliedVersion: step.applied.version,
      }));
      try {
        await rollBack({ session, tracking: this.tracking, steps: toRun, signal, emit: this.#emit }, runs);
      } catch (e) {
        const files = steps.map((s) => s.file);
        const stop = await this.#sessions.stopped(e, "down", files, scripts, runs.length, session, signal);
        if (stop) throw stop;
        if (e instanceof MigrationError) {
          throw new MigrationDownError(e, result([describeFailure(e, toRun[runs.length].target)]));
        }
        throw e;
      }
      return result([]);
    });
  }

  /**
   * Mark migrations applied without running them, through `through` (a version or
   * `version_name`), to adopt a database whose schema already exists.
   */
  async baseline(options: { through: string; dryRun?: boolean }): Promise<BaselineResult> {
    return await markBaseline(this.#rowsContext(await this.files()), options);
  }

  /** Rebuild the tracking rows from the files (after squashing or renumbering migrations). */
  async reinit(options: { through?: string; dryRun?: boolean } = {}): Promise<ReinitResult> {
    return await rebuildRows(this.#rowsContext(await this.files()), options);
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
      return { applied, issues: checksumIssues(files, applied, new MigrationTexts(), (p) => this.#source.shown(p)) };
    };
    if (!options.accept) {
      const { applied, issues } = await check(this.database);
      return { ok: issues.length === 0, checked: applied.length, issues };
    }
    return await this.#sessions.run(undefined, async (session) => {
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

  #rowsContext(files: MigrationFile[]): RowsContext {
    return { database: this.database, tracking: this.tracking, source: this.#source, sessions: this.#sessions, files };
  }

  private lintGate(db: Queryable, pending: MigrationFile[], options: UpOptions, texts: MigrationTexts) {
    return lintPending(db, pending, options, texts, {
      statementLockTimeoutMs: this.settings.statementLockTimeoutMs,
      settings: this.lintSettings,
      projectDir: this.projectDir,
      emit: this.#emit,
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
