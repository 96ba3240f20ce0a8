/**
 * Option parsers shared by the migrate commands.
 *
 * @module
 */
import { UsageError } from "../../errors.ts";
import { parseDuration } from "../../config/validate.ts";

/** Parse `--steps N`: a whole number ≥ 1. */
export function parseSteps(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) {
    throw new UsageError(`--steps must be a whole number of at least 1, got "${value}"`);
  }
  return n;
}

/** Parse a version argument: digits, optionally followed by `_name`. */
export function parseVersion(value: string): string {
  if (!/^\d+(_[A-Za-z0-9_-]+)?$/.test(value)) {
    throw new UsageError(`Invalid version "${value}": expected digits such as 003`);
  }
  return value.replace(/_.*$/, "");
}

/** Parse a duration flag (`30s`, `500ms`, `2min`, or ms). */
export function parseDurationFlag(value: string): number {
  const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === undefined) throw new UsageError(`Invalid duration "${value}": use e.g. 30s, 500ms, 2min`);
  return ms;
}
