/**
 * The loop behind `down`: each step's down script in its own transaction with its tracking
 * row's delete, newest first, stopping at the first failure. Unlike `up` nothing is sent
 * ahead: a rollback is rare, and one at a time keeps each failure's cause plain. It speaks
 * only to the `ReservedSession` port.
 *
 * @module
 */
import type { ReservedSession } from "../db/database.ts";
import { InterruptedError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { runScript, type RunTarget } from "./apply.ts";
import { JournalState } from "./journal_state.ts";
import type { MigrationRun } from "./results.ts";
import type { MigrationScript } from "./script.ts";
import type { TrackingTable } from "./tracking_table.ts";

/** One migration to roll back, and the tracking row version it deletes. */
export interface RollbackStep {
  file: { version: string; name: string };
  script: MigrationScript;
  target: RunTarget;
  appliedVersion: string;
}

/**
 * Roll back `steps` in order, pushing each finished one onto `runs` (the caller reports them,
 * also after a throw: the failed step is `steps[runs.length]`).
 */
export async function rollBack(
  options: {
    session: ReservedSession;
    tracking: TrackingTable;
    steps: readonly RollbackStep[];
    signal?: AbortSignal;
    emit: EventSink;
  },
  runs: MigrationRun[],
): Promise<void> {
  const { session, tracking, signal, emit } = options;
  const journal = new JournalState();
  for (const step of options.steps) {
    if (signal?.aborted) throw new InterruptedError("interrupted");
    const { version, name } = step.file;
    emit({
      type: "migration.start",
      direction: "down",
      version,
      name,
      statements: step.script.statements.length,
      stepwise: step.script.mode !== "transaction",
    });
    const t0 = performance.now();
    await runScript(session, step.script, step.target, tracking, () => tracking.removeSql(step.appliedVersion), {
      signal,
      emit,
      journal,
    });
    const run = { version, name, duration_ms: Math.round(performance.now() - t0) };
    runs.push(run);
    emit({ type: "migration.done", direction: "down", version, name, durationMs: run.duration_ms });
  }
}
