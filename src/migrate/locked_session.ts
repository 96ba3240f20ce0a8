/**
 * The session a migration run holds: a reserved backend under the migration lock, with the
 * tracking schema pinned, cancelled on abort, reset and released afterwards. Also reads back
 * where a stopped run left things. Kept apart from the Migrator so the entry stays a list of
 * workflows and the session's lifecycle reads in one place.
 *
 * @module
 */
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { ConnectionError, InterruptedError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { CONNECTION_CHECK, RESET_SESSION } from "./apply.ts";
import { type MigrationFile, versionKey } from "./files.ts";
import { withMigrationLock } from "./lock.ts";
import { pooledConnectionError, reservePair, transactionPooled } from "./pooler.ts";
import type { MigrationScript } from "./script.ts";
import { type PlannedStep, type Recorded, stopError } from "./stop.ts";
import type { TrackingLocation, TrackingTable } from "./tracking_table.ts";

/** Opens locked sessions on one database for one Migrator. */
export class LockedSessions {
  #poolerChecked = false;
  /** The cancel request sent on abort, awaited before reading the state. */
  #cancelled: Promise<void> | undefined;

  constructor(
    readonly database: Database,
    readonly tracking: TrackingTable,
    readonly lockTimeoutMs: number,
    readonly emit: EventSink,
  ) {}

  /**
   * Run `fn` on a reserved session holding the migration lock. Refuses a transaction pooler
   * (once per Migrator); an abort cancels the running statement and throws InterruptedError.
   */
  async run<T>(
    signal: AbortSignal | undefined,
    fn: (session: ReservedSession, where: TrackingLocation) => Promise<T>,
  ): Promise<T> {
    const session = await this.#reserve();
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
        { timeoutMs: this.lockTimeoutMs, onEvent: this.emit },
        async () => fn(session, await this.tracking.pinSchema(session)),
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
   * The session the run keeps. The first time, the pooler probe runs on it and on a second
   * session reserved at the same moment, which is then released: one session, not three.
   */
  async #reserve(): Promise<ReservedSession> {
    // One backend (PGlite) has no pooler in front of it, and its two "sessions" would be one.
    if (this.#poolerChecked || this.database.capabilities.sessions !== "many") return await this.database.reserve();
    const [session, partner] = await reservePair(this.database);
    let pooled: boolean;
    try {
      pooled = await transactionPooled(session, partner);
    } catch (e) {
      await session.release();
      throw e;
    } finally {
      await partner.release();
    }
    if (pooled) {
      await session.release();
      throw pooledConnectionError(this.database.label);
    }
    this.#poolerChecked = true;
    return session;
  }

  /**
   * The error to throw when `up`/`down` stopped for a lost connection or an interruption,
   * naming what is applied and what is not; undefined for any other failure.
   */
  async stopped(
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
    const recorded = await this.#readRecorded(interrupted ? session : this.database);
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
  async #readRecorded(q: Queryable): Promise<Recorded | undefined> {
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
}

/** How an abort names itself in messages: the signal the CLI passed as reason. */
export function signalName(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "an abort signal";
}
