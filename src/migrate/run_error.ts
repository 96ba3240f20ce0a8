/**
 * The error `up`/`down` throw when a migration fails: the migration's own error, plus the
 * result of what ran before it, so a caller can report both.
 *
 * @module
 */
import { MigrationError } from "../errors.ts";
import type { DownResult, UpResult } from "./results.ts";

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
