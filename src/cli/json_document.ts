/**
 * The one JSON contract of `--format json`: a command's result is held until the command ends
 * (by its CommandRun, `run.ts`), then printed as exactly one object with a boolean `ok` (the command's own verdict when it
 * gives one, else whether the exit code is 0) and every key in snake_case. The library keeps its camelCase TypeScript fields; this is the one
 * place they are converted.
 *
 * @module
 */
import { redact } from "../redact.ts";
import { writeStdout } from "../platform/stdio.ts";

// Objects under these keys are maps keyed by database names (columns, tables, …): their own
// keys are data and stay as they are; the values inside them are still converted.
const NAME_MAPS = new Set([
  "columns",
  "constraints",
  "indexes",
  "triggers",
  "policies",
  "tables",
  "views",
  "functions",
  "sequences",
  "enums",
  "domains",
  "rules",
]);

/**
 * The snake_case spelling of a camelCase key; other keys are returned as they are.
 *
 * @example
 * ```ts
 * import { snakeCase } from "./json_document.ts";
 * snakeCase("durationMs"); // "duration_ms"
 * snakeCase("tracking_table"); // "tracking_table"
 * ```
 */
export function snakeCase(key: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key) || !/[A-Z]/.test(key)) return key;
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A copy of `value` (as JSON.stringify would see it) with every object key in snake_case. */
export function snakeKeys(value: unknown, keysAreNames = false): unknown {
  if (value === null || typeof value !== "object") return value;
  const plain = typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;
  if (plain === null || typeof plain !== "object") return plain;
  if (Array.isArray(plain)) return plain.map((v) => snakeKeys(v));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain)) {
    if (v === undefined || typeof v === "function") continue;
    out[keysAreNames ? k : snakeCase(k)] = snakeKeys(v, !keysAreNames && NAME_MAPS.has(k) && !Array.isArray(v));
  }
  return out;
}

/**
 * The document `--format json` prints: `ok` first (the result's own boolean `ok` when it has
 * one, else `exitOk`), then the result's members in snake_case.
 */
export function jsonDocument(data: unknown, exitOk: boolean): Record<string, unknown> {
  const body = snakeKeys(data);
  const members = body && typeof body === "object" && !Array.isArray(body)
    ? body as Record<string, unknown>
    : { result: body };
  return { ...members, ok: typeof members.ok === "boolean" ? members.ok : exitOk };
}

/** Write one JSON object on stdout, `ok` as its first member, passwords redacted. */
export function writeJson(doc: Record<string, unknown>, secrets: readonly string[]): void {
  const { ok, ...rest } = doc;
  writeStdout(redact(JSON.stringify({ ok, ...rest }, null, 2), secrets) + "\n");
}
