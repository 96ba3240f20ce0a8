/**
 * The scheduler behind `up`: it sends up to `depth` transactional migrations before the first
 * answers, so the connection never idles between them, and keeps the outcome exactly what
 * running them one by one would give. Each migration sent behind another starts with a guard
 * that fails its own transaction unless its predecessor's tracking row committed; a failure
 * stops everything behind it, which is then sent again (or not) in order. Lock timeouts are
 * retried with backoff; a one-message failure is replayed statement by statement to name its
 * statement. It speaks only to the `ReservedSession` port, so a fake session tests it.
 *
 * @module
 */
import type { ReservedSession } from "../db/database.ts";
import { ConnectionError, InterruptedError } from "../errors.ts";
import type { ConfitureEvent, EventSink } from "../events.ts";
import { ReplayNeeded, runScript, type RunTarget, toMigrationError } from "./apply.ts";
import { isLockTimeout, pauseBeforeRetry } from "./lock_retry.ts";
import type { MigrationRun } from "./results.ts";
import type { MigrationScript } from "./script.ts";
import type { RecordMigration, TrackingTable } from "./tracking_table.ts";
import { JournalState } from "./journal_state.ts";

/** How many transactional migrations `up` sends ahead on a server connection. */
export const PIPELINE_DEPTH = 8;

/** One migration to apply: its file, prepared script, identity for messages, tracking row. */
export interface PipelineStep {
  file: { version: string; name: string };
  script: MigrationScript;
  target: RunTarget;
  record: RecordMigration;
}

/** What the scheduler needs; `pause` replaces the real backoff in tests. */
export interface PipelineOptions {
  session: ReservedSession;
  tracking: TrackingTable;
  steps: readonly PipelineStep[];
  /** How many transactional migrations may be in flight at once (1: one by one). */
  depth: number;
  /** Retries of a transactional migration that failed on lock_timeout. */
  lockRetries: number;
  /**
   * Commit all but the last migration with `synchronous_commit = off` (default true): the last
   * one's synchronous commit flushes the WAL of all of them. Right for a server, where the
   * server outlives the client; wrong for embedded PGlite, where a killed process takes the
   * "server" with it before its WAL is written: there every commit is synchronous.
   */
  asyncCommit?: boolean;
  signal?: AbortSignal;
  emit: EventSink;
  /** The progress journal as the run found it (read when first needed without). */
  journal?: JournalState;
  pause?: (file: { version: string; name: string }, attempt: number) => Promise<void>;
}

/**
 * Applies `steps` in order. `runs` lists the finished ones, also after a throw: the caller
 * reports them. Call `flush()` after `run()`, whatever it did.
 *
 * @example
 * ```ts ignore
 * const pipeline = new UpPipeline({ session, tracking, steps, depth: 8, lockRetries: 3, emit });
 * try {
 *   await pipeline.run();
 * } finally {
 *   await pipeline.flush();
 * }
 * pipeline.runs; // [{ version, name, duration_ms }, …]
 * ```
 */
export class UpPipeline {
  /** The migrations applied so far, in order. */
  readonly runs: MigrationRun[] = [];
  readonly #o: PipelineOptions;
  /**
   * Every migration but the last commits without waiting for its WAL flush; the last one's
   * synchronous commit flushes them all, since WAL is written in order. A crash in between can
   * only lose whole migrations together with their tracking rows, never half of one.
   */
  #unflushed = false;
  #lastDone = performance.now();
  readonly #journal: JournalState;

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#journal = options.journal ?? new JournalState();
  }

  /** Apply every step; throws the first failure that retries did not cure. */
  async run(): Promise<void> {
    const { tracking, steps, signal } = this.#o;
    const n = steps.length;
    const inFlight: InFlight[] = [];
    let next = 0;
    let announced = 0;
    // A migration run statement by statement holds the connection until its last message is
    // sent: nothing may be sent between its statements.
    const holder = () => inFlight.find((f) => f.hold && !f.hold.released);
    while (next < n || inFlight.length > 0) {
      if (signal?.aborted && inFlight.length === 0) throw new InterruptedError("interrupted");
      while (next < n && inFlight.length < this.#o.depth && !holder() && !signal?.aborted) {
        const i = next++;
        const step = steps[i];
        const guard = inFlight.length > 0 ? tracking.guardSql(steps[i - 1].file.version) : undefined;
        // Migrations refused behind a failed one are sent again later: announce them once.
        const announce = i >= announced;
        if (announce) announced = i + 1;
        if (step.script.mode !== "transaction") {
          inFlight.push(this.#sendStepwise(i, guard, announce));
          continue;
        }
        if (announce) this.#o.emit(startEvent(step.file, step.script));
        const done = runScript(
          this.#o.session,
          step.script,
          step.target,
          tracking,
          (executionTimeMs) => tracking.recordSql({ ...step.record, executionTimeMs }),
          { asyncCommit: this.#asyncCommitOf(i), guard, oneMessage: true },
        );
        done.catch(() => {}); // awaited in order below
        inFlight.push({ i, sent: performance.now(), done });
      }
      const head = inFlight[0];
      const hold = holder()?.hold;
      if (hold && next < n) {
        // Send what follows as soon as the holder lets go, unless the head settles first.
        await Promise.race([hold.wait, head.done.then(() => {}, () => {})]);
        if (hold.released && inFlight[0] === head) continue;
      }
      inFlight.shift();
      try {
        await head.done;
        const file = steps[head.i].file;
        const run = {
          version: file.version,
          name: file.name,
          duration_ms: Math.round(performance.now() - Math.max(head.sent, this.#lastDone)),
        };
        this.#settled(head.i, run);
        this.#emitDone(run);
      } catch (e) {
        // Everything sent behind it was refused by its guard; send it again after this one.
        await Promise.allSettled(inFlight.map((f) => f.done));
        inFlight.length = 0;
        if (signal?.aborted || e instanceof ConnectionError) throw e;
        // A statement-by-statement file is never retried from its start (its journal resumes it).
        if (head.hold) throw e;
        next = head.i + 1;
        await this.#retry(head.i, e);
      }
    }
  }

  /**
   * Start the statement-by-statement migration `i`, sent behind those in flight (its first
   * message fails with `guard` unless they committed). Its claim on the connection ends when
   * its last message is sent, or when it settles.
   */
  #sendStepwise(i: number, guard: string | undefined, announce: boolean): InFlight {
    let release = () => {};
    const hold = {
      released: false,
      wait: new Promise<void>((resolve) => {
        release = () => {
          hold.released = true;
          resolve();
        };
      }),
    };
    const sent = performance.now();
    const done = this.#applyOne(i, this.#asyncCommitOf(i), 0, announce, { guard, onLastSent: release });
    done.then(release, release);
    return { i, sent, done, hold };
  }

  /** After the failure `e` of transactional migration `i`: replay or retry it, or throw. */
  async #retry(i: number, e: unknown): Promise<void> {
    const step = this.#o.steps[i];
    const again = (firstAttempt: number) => this.#applyOne(i, this.#asyncCommitOf(i), firstAttempt, false);
    if (e instanceof ReplayNeeded) {
      // Nothing of it committed. Statement by statement, a lasting error names its
      // statement; a lock timeout counts as the first of its retries.
      if (e.error.sqlstate !== "55P03") this.#settled(i, await this.#emitted(again(0)));
      else if (this.#o.lockRetries < 1) {
        throw toMigrationError(e.error, step.target, step.script.text);
      } else {
        await this.#pause(step.file, 0);
        this.#settled(i, await this.#emitted(again(1)));
      }
      return;
    }
    if (!isLockTimeout(e) || this.#o.lockRetries < 1) throw e;
    await this.#pause(step.file, 0);
    this.#settled(i, await this.#emitted(again(1)));
  }

  /** A run applied alone: report it done. */
  async #emitted(run: Promise<MigrationRun>): Promise<MigrationRun> {
    const r = await run;
    this.#emitDone(r);
    return r;
  }

  /** Make what did commit durable: needed when the run stopped after an asynchronous commit. */
  async flush(): Promise<void> {
    if (this.#unflushed) await this.#o.session.execTransaction(["SELECT txid_current()"]).catch(() => {});
  }

  #asyncCommitOf(i: number): boolean {
    return (this.#o.asyncCommit ?? true) && i < this.#o.steps.length - 1;
  }

  #settled(i: number, run: MigrationRun): void {
    this.runs.push(run);
    this.#lastDone = performance.now();
    this.#unflushed = this.#asyncCommitOf(i);
  }

  #pause(file: { version: string; name: string }, attempt: number): Promise<void> {
    return this.#o.pause ? this.#o.pause(file, attempt) : pauseBeforeRetry(this.#o.emit, file, attempt);
  }

  /**
   * Apply step `i` (statement by statement where it must), retrying lock timeouts of a
   * transactional one. `send` is for a statement-by-statement one sent behind others.
   */
  async #applyOne(
    i: number,
    asyncCommit: boolean,
    firstAttempt: number,
    announce: boolean,
    send: { guard?: string; onLastSent?: () => void } = {},
  ): Promise<MigrationRun> {
    const { session, tracking, signal, emit } = this.#o;
    const { file, script, target, record } = this.#o.steps[i];
    if (announce) emit(startEvent(file, script));
    for (let attempt = firstAttempt;; attempt++) {
      const t0 = performance.now();
      try {
        const outcome = await runScript(
          session,
          script,
          target,
          tracking,
          (executionTimeMs) => tracking.recordSql({ ...record, executionTimeMs }),
          { asyncCommit, signal, emit, journal: this.#journal, ...send },
        );
        for (const index of outcome.rebuilt ?? []) {
          emit({
            type: "info",
            message: `${file.version}_${file.name}: dropped the INVALID index ${index} that an interrupted ` +
              "CREATE INDEX CONCURRENTLY left, to build it again",
          });
        }
        if (outcome.resumedAt !== undefined) {
          emit({
            type: "info",
            message: `${file.version}_${file.name}: resumed at statement ${
              outcome.resumedAt + 1
            } of ${script.statements.length}`,
          });
        }
        return { version: file.version, name: file.name, duration_ms: Math.round(performance.now() - t0) };
      } catch (e) {
        // Only a whole-transaction migration can be retried safely from the start.
        if (
          !isLockTimeout(e) || script.mode !== "transaction" || attempt >= this.#o.lockRetries || signal?.aborted
        ) throw e;
        await this.#pause(file, attempt);
      }
    }
  }

  #emitDone(run: MigrationRun): void {
    this.#o.emit({
      type: "migration.done",
      direction: "up",
      version: run.version,
      name: run.name,
      durationMs: run.duration_ms,
    });
  }
}

/** A migration sent and not yet settled. */
interface InFlight {
  i: number;
  sent: number;
  done: Promise<unknown>;
  /** A statement-by-statement one: nothing may follow it on the connection until `released`. */
  hold?: { released: boolean; wait: Promise<void> };
}

/** The `migration.start` event of an up migration. */
function startEvent(file: { version: string; name: string }, script: MigrationScript): ConfitureEvent {
  return {
    type: "migration.start",
    direction: "up",
    version: file.version,
    name: file.name,
    statements: script.statements.length,
    stepwise: script.mode !== "transaction",
  };
}
