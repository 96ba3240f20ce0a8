/**
 * The errors `up`/`down` throw when a migration fails: the migration's own error, plus the
 * result of what ran before it, so a caller can report both. `up()` throws a
 * {@link MigrationUpError} (its `result` is an {@link UpResult}), `down()` a
 * {@link MigrationDownError}; both are a {@link MigrationRunError}.
 *
 * @module
 */
import { MigrationError } from "../errors.ts";
import type { DownResult, UpResult } from "./results.ts";

/** Which command a {@link MigrationRunError} came from. */
export type RunOperation = "up" | "down";

/**
 * Thrown when a migration fails during `up`/`down`; carries what was done before it. Catch
 * {@link MigrationUpError} or {@link MigrationDownError} for a `result` typed without narrowing.
 *
 * @example
 * ```ts ignore
 * try {
 *   await migrator.up();
 * } catch (e) {
 *   if (e instanceof MigrationUpError) console.log(e.result.applied, e.result.errors[0].sqlstate);
 * }
 * ```
 */
export abstract class MigrationRunError extends MigrationError {
  /** The command that failed: `"up"` or `"down"`. */
  abstract readonly operation: RunOperation;
  /** What ran before the failure (and the failure itself, in `errors`). */
  abstract readonly result: UpResult | DownResult;
  constructor(cause: MigrationError) {
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
  }
}

/** Thrown by `up()` when a migration fails; `result.applied` lists those that ran before it. */
export class MigrationUpError extends MigrationRunError {
  readonly operation = "up" as const;
  readonly result: UpResult;
  constructor(cause: MigrationError, result: UpResult) {
    super(cause);
    this.result = result;
  }
}

/** Thrown by `down()` when a rollback fails; `result.rolled_back` lists those undone before it. */
export class MigrationDownError extends MigrationRunError {
  readonly operation = "down" as const;
  readonly result: DownResult;
  constructor(cause: MigrationError, result: DownResult) {
    super(cause);
    this.result = result;
  }
}
