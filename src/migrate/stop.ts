/**
 * What `up`/`down` report when they stop early for a reason that is not a migration's own
 * error: a lost connection (exit 3) or SIGINT/SIGTERM (exit 130). The message names what is
 * applied, what is not, and what is partial, from the tracking table when it still answers.
 *
 * @module
 */
import { ConnectionError, InterruptedError } from "../errors.ts";
import { versionKey } from "./files.ts";
import type { PartialRun } from "./tracking_table.ts";

/** One migration the run meant to apply or roll back. */
export interface PlannedStep {
  version: string;
  name: string;
  mode: string;
}

/** Where each planned migration stands after the stop. */
export interface StopState {
  /** Applied (up) or rolled back (down) before the stop. */
  done: string[];
  /** Left as they were: still pending (up) or still applied (down). */
  not_done: string[];
  /** Stopped midway (outside a transaction); a rerun resumes them. */
  partial: { version: string; statement: number; of: number; line: number | null }[];
  /** In flight when the connection went and not readable since. */
  unknown: string[];
}

/** What the database says after the stop, when it answers. */
export interface Recorded {
  /** Versions in the tracking table. */
  applied: ReadonlySet<string>;
  partial: readonly PartialRun[];
}

/**
 * Classify the planned steps. `finished` counts the steps this run saw complete; `recorded`,
 * when the database answered afterwards, decides the one in flight.
 */
export function stopState(
  direction: "up" | "down",
  planned: readonly PlannedStep[],
  finished: number,
  recorded?: Recorded,
): StopState {
  const state: StopState = { done: [], not_done: [], partial: [], unknown: [] };
  const label = (s: PlannedStep) => `${s.version}_${s.name}`;
  planned.forEach((step, i) => {
    if (i < finished) return state.done.push(label(step));
    if (!recorded) return (i === finished ? state.unknown : state.not_done).push(label(step));
    const run = recorded.partial.find((p) =>
      versionKey(p.version) === versionKey(step.version) &&
      p.direction === direction
    );
    if (run) {
      state.partial.push({
        version: label(step),
        statement: run.statements_done + 1,
        of: run.statements_total,
        line: run.next_line,
      });
      return;
    }
    const isApplied = recorded.applied.has(versionKey(step.version));
    (isApplied === (direction === "up") ? state.done : state.not_done).push(label(step));
  });
  return state;
}

/** One line per kind of state, for the error's detail. */
export function describeState(direction: "up" | "down", s: StopState): string {
  const done = direction === "up" ? "applied" : "rolled back";
  const notDone = direction === "up" ? "not applied" : "still applied";
  const parts: string[] = [];
  if (s.done.length) parts.push(`${done}: ${s.done.join(", ")}`);
  for (const p of s.partial) {
    parts.push(
      `partial: ${p.version} stopped before statement ${p.statement} of ${p.of}${
        p.line !== null ? ` (line ${p.line})` : ""
      }; a rerun resumes there`,
    );
  }
  if (s.unknown.length) {
    parts.push(
      `unknown: ${s.unknown.join(", ")} (its transaction committed with its tracking row or not at all; ` +
        "`confiture migrate status` tells which)",
    );
  }
  if (s.not_done.length) parts.push(`${notDone}: ${s.not_done.join(", ")}`);
  return parts.length ? parts.join("; ") : `nothing was ${done}`;
}

/** The error `up`/`down` throw after a lost connection or an interruption. */
export function stopError(
  reason: { kind: "interrupted"; signal: string } | { kind: "connection"; error: ConnectionError },
  direction: "up" | "down",
  planned: readonly PlannedStep[],
  finished: number,
  recorded?: Recorded,
): ConnectionError | InterruptedError {
  const state = stopState(direction, planned, finished, recorded);
  const inFlight = planned[finished];
  const during = inFlight
    ? ` while ${direction === "up" ? "applying" : "rolling back"} ${inFlight.version}_${inFlight.name}`
    : "";
  const detail = describeState(direction, state);
  const rerun = `Run \`confiture migrate ${direction}\` again to continue`;
  if (reason.kind === "interrupted") {
    return new InterruptedError(
      `Interrupted by ${reason.signal}${during}; the running statement was cancelled and the lock released`,
      { detail, hint: rerun, details: { signal: reason.signal, state } },
    );
  }
  return new ConnectionError(`${reason.error.message}${during}`, {
    code: "CONNECTION_LOST",
    detail,
    hint: `${rerun} once the server answers; it resumes where this run stopped`,
    cause: reason.error,
    details: { state },
  });
}
