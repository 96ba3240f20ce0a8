/**
 * Apply a built schema to a database in one transaction, mapping any error back to the source
 * file, line and column; then record every migration as applied so `migrate up` continues
 * from the built state; then run seeds.
 *
 * @module
 */
import type { TableName } from "../config/environment.ts";
import type { Database, Queryable, Session } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { SchemaError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { migrationChecksum } from "../migrate/checksum.ts";
import { type MigrationFile, readMigrationText } from "../migrate/files.ts";
import { withMigrationLock } from "../migrate/lock.ts";
import { TrackingTable } from "../migrate/tracking_table.ts";
import { lineColumnAtOffset, locateInSchema, type Segment } from "./assemble.ts";
import { codePoints } from "../sql/source_text.ts";
import { withoutPsqlMetaCommands } from "../sql/psql_meta.ts";
import { splitStatements } from "../sql/sql_scan.ts";
import { buildLockTimeout, describeLockWait, type LockWatch, watchLockWaits } from "./lock_watch.ts";
import { DEFAULT_TRACKING_TABLE, MIGRATION_DEFAULTS } from "../config/defaults.ts";

/** What {@link applySchemaBuild} needs from a build. */
export interface ApplicableBuild {
  text: string;
  segments: readonly Segment[];
  sources: ReadonlyMap<string, string>;
}

/** Options for {@link applySchemaBuild}. */
export interface ApplyOptions {
  /** Record these migrations as applied (slug suffix `_build`) in the same transaction. */
  migrations?: readonly MigrationFile[];
  trackingTable?: TableName;
  /**
   * How long to wait for the migration lock another deployer holds, and for any table lock
   * the script needs (default 30 s); then LockError (exit 6) naming the holder.
   */
  lockTimeoutMs?: number;
  onEvent?: EventSink;
}

/** What an apply did. */
export interface ApplyResult {
  durationMs: number;
  /** Versions recorded as applied by the build. */
  migrationsRecorded: string[];
}

/**
 * Run the whole script in one transaction. A failure throws SchemaError (exit 4) naming the
 * source file, line and column, and leaves the database as it was.
 */
export async function applySchemaBuild(
  db: Database,
  build: ApplicableBuild,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const emit = options.onEvent ?? silent;
  const started = performance.now();
  // Read the migrations before touching the database, so a bad file aborts nothing half-done.
  const rows = (options.migrations ?? []).map((m) => ({
    version: m.version,
    name: m.name,
    slugSuffix: "build",
    executionTimeMs: 0,
    checksum: migrationChecksum(readMigrationText(m.upPath)),
    downChecksum: m.downPath ? migrationChecksum(readMigrationText(m.downPath)) : null,
  }));
  const script = withoutPsqlMetaCommands(build.text, {
    locate: (position) => locateInSchema(build, build.sources, position),
  });
  let recorded: string[] = [];
  const lockTimeoutMs = options.lockTimeoutMs ?? MIGRATION_DEFAULTS.lockTimeoutMs;
  let watch: LockWatch | undefined;
  try {
    await maybeLocked(db, options, emit, (session) =>
      session.transaction(async (tx) => {
        emit({ type: "info", message: `Applying ${build.segments.length} schema files in one transaction…` });
        // A build never waits silently: lock_timeout here, and a watch that names the holder.
        await tx.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
        const pid = session.pid ?? 0;
        watch = pid > 0
          ? watchLockWaits(db, pid, {
            timeoutMs: lockTimeoutMs,
            onWait: (w) => emit({ type: "warning", message: describeLockWait(w, lockTimeoutMs) }),
          })
          : undefined;
        try {
          await tx.exec(script);
        } finally {
          await watch?.stop();
        }
        // pg_dump output empties search_path and changes other settings for the session: the
        // bookkeeping below, and seeds on this connection later, run with the session's defaults.
        await tx.exec("RESET ALL");
        await tx.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
        // Created even with no migrations, so `migrate status` reads an initialised database.
        if (options.migrations) {
          const tracking = new TrackingTable(options.trackingTable ?? { name: DEFAULT_TRACKING_TABLE });
          try {
            await tracking.ensure(tx);
            const already = new Set((await tracking.applied(tx)).map((r) => BigInt(r.version).toString()));
            for (const row of rows) {
              if (already.has(BigInt(row.version).toString())) continue;
              await tracking.record(tx, row);
              recorded.push(row.version);
            }
          } catch (e) {
            if (!(e instanceof DatabaseError)) throw e;
            if (e.sqlstate === LOCK_NOT_AVAILABLE) throw e;
            // Not the schema's fault: say so, rather than blame a schema file.
            throw new SchemaError(`Cannot record migrations in ${tracking.displayName}: ${e.message}`, {
              code: "BUILD_TRACKING_FAILED",
              detail: e.detail,
              hint: e.hint,
              details: { sqlstate: e.sqlstate },
              cause: e,
            });
          }
        }
      }));
  } catch (e) {
    recorded = [];
    if (!(e instanceof DatabaseError)) throw e;
    // Waiting is not the schema's fault, and replaying to find a file would wait again.
    if (e.sqlstate === LOCK_NOT_AVAILABLE || (e.sqlstate === QUERY_CANCELED && watch?.cancelled)) {
      throw buildLockTimeout(lockTimeoutMs, watch?.last, e);
    }
    throw await explainFailure(db, build, e);
  }
  return { durationMs: Math.round(performance.now() - started), migrationsRecorded: recorded };
}

const LOCK_NOT_AVAILABLE = "55P03";
const QUERY_CANCELED = "57014";

// Recording migrations takes the migration lock, so a concurrent `migrate up` waits for the
// build instead of applying the same files on top of it.
async function maybeLocked<T>(
  db: Database,
  options: ApplyOptions,
  emit: EventSink,
  fn: (session: Session & { pid?: number }) => Promise<T>,
): Promise<T> {
  if (!options.migrations) return await fn(db);
  const session = await db.reserve();
  try {
    return await withMigrationLock(
      session,
      { timeoutMs: options.lockTimeoutMs ?? MIGRATION_DEFAULTS.lockTimeoutMs, onEvent: emit },
      () => fn(session),
    );
  } finally {
    await session.release();
  }
}

/** Turn a DatabaseError from the script into one that names the source file. */
async function explainFailure(db: Database, build: ApplicableBuild, e: DatabaseError): Promise<SchemaError> {
  let where: Where | undefined = e.position !== undefined
    ? locateInSchema(build, build.sources, e.position)
    : undefined;
  // Errors raised while executing (not parsing) often carry no position: find the file by
  // replaying file by file in a transaction that is always rolled back.
  if (!where && e.position === undefined && build.segments.length > 0) where = await replayToFind(db, build, e);
  return sqlError("Cannot apply", e, where);
}

const ROLLBACK = Symbol("rollback");

type Where = { file: string; line?: number; column?: number };

async function replayToFind(db: Database, build: ApplicableBuild, original: DatabaseError): Promise<Where | undefined> {
  let found: Where | undefined;
  try {
    await db.transaction(async (tx) => {
      for (const s of build.segments) {
        const content = withoutPsqlMetaCommands(build.sources.get(s.relativePath) ?? "", { file: s.relativePath });
        await tx.exec("SAVEPOINT confiture_file");
        try {
          await tx.exec(content);
        } catch (err) {
          if (!(err instanceof DatabaseError)) throw err;
          found = { file: s.relativePath };
          if (err.position !== undefined) Object.assign(found, lineColumnAtOffset(content, err.position - 1));
          else {
            await tx.exec("ROLLBACK TO SAVEPOINT confiture_file");
            Object.assign(found, await findStatement(tx, content, original));
          }
          throw ROLLBACK;
        }
        await tx.exec("RELEASE SAVEPOINT confiture_file");
      }
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK && !(err instanceof DatabaseError)) throw err;
  }
  return found;
}

/**
 * Within a failing script, run statement by statement to point at the one that fails the
 * same way; a split that does not reproduce the error points at no line rather than a wrong one.
 */
export async function findStatement(
  tx: Queryable,
  content: string,
  original: DatabaseError,
): Promise<{ line?: number; column?: number }> {
  for (const stmt of splitStatements(content)) {
    try {
      await tx.exec(stmt.text);
    } catch (err) {
      if (!(err instanceof DatabaseError) || err.sqlstate !== original.sqlstate) return {};
      return lineColumnAtOffset(content, codePoints(content.slice(0, stmt.start)));
    }
  }
  return {};
}

function sqlError(
  verb: string,
  e: DatabaseError,
  where: { file: string; line?: number; column?: number } | undefined,
): SchemaError {
  const loc = where ? `${where.file}${where.line ? `:${where.line}:${where.column}` : ""}` : "the schema";
  return new SchemaError(`${verb} ${loc}: ${e.message}`, {
    code: "BUILD_APPLY_FAILED",
    file: where?.file,
    line: where?.line,
    column: where?.column,
    detail: e.detail,
    hint: e.hint ?? hintFor(e.sqlstate),
    details: { sqlstate: e.sqlstate },
    cause: e,
  });
}

function hintFor(sqlstate: string): string | undefined {
  if (DUPLICATE_OBJECT.has(sqlstate)) return ALREADY_BUILT_HINT;
  // active_sql_transaction: CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE …
  if (sqlstate === "25001") {
    return "The build is applied in one transaction: leave CONCURRENTLY and other non-transactional commands to migrations";
  }
  return undefined;
}

// duplicate_table, duplicate_object, duplicate_function, duplicate_schema
const DUPLICATE_OBJECT = new Set(["42P07", "42710", "42723", "42P06"]);
const ALREADY_BUILT_HINT =
  "The database already holds this schema: rebuild it with `confiture build --apply --fresh`, or evolve it with `confiture migrate up`";
