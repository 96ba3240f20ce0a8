/**
 * Retrying a migration that failed on `lock_timeout` (SQLSTATE 55P03): a jittered exponential
 * backoff, announced as an event. Kept apart from the scheduler so its timing is testable.
 *
 * @module
 */
import { MigrationError } from "../errors.ts";
import type { EventSink } from "../events.ts";

/** Whether `e` is a migration that failed waiting for a table lock. */
export function isLockTimeout(e: unknown): boolean {
  return e instanceof MigrationError && e.code === "LOCK_TIMEOUT_IN_MIGRATION";
}

/**
 * The pause before retry `attempt + 1`: 200 ms doubled per attempt, jittered to 50–150 %
 * so deployers that collided do not collide again.
 *
 * @example
 * ```ts
 * import { retryDelayMs } from "./lock_retry.ts";
 * retryDelayMs(0, () => 0.5); // 200
 * retryDelayMs(2, () => 0.5); // 800
 * ```
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(200 * 2 ** attempt * (0.5 + random()));
}

/** How a pause is waited out; tests pass one that does not sleep. */
export type Sleep = (ms: number) => Promise<void>;

/** A real timer. */
export const sleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Announce and wait out the backoff before retry `attempt + 1` of a migration. */
export async function pauseBeforeRetry(
  emit: EventSink,
  file: { version: string; name: string },
  attempt: number,
  options: { random?: () => number; sleep?: Sleep } = {},
): Promise<void> {
  const delayMs = retryDelayMs(attempt, options.random);
  emit({
    type: "migration.retry",
    version: file.version,
    name: file.name,
    attempt: attempt + 1,
    delayMs,
    reason: "lock_timeout waiting for a table lock",
  });
  await (options.sleep ?? sleep)(delayMs);
}
