/**
 * Minimal assertions (JSR's @std/assert is not reachable here). Equality is Node's
 * `isDeepStrictEqual`, which sees Map and Set contents, `undefined` properties, NaN, -0 and
 * prototypes: a JSON rendering would let those differences pass.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";

/** Deep strict equality (Map, Set, undefined, NaN and prototypes included). */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${message ? message + ": " : ""}values differ\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`,
    );
  }
}

/** Deep strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  if (isDeepStrictEqual(actual, expected)) {
    throw new Error(`${message ? message + ": " : ""}values are equal: ${show(actual)}`);
  }
}

/** Truthiness. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

/** Substring check. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new Error(`${message ? message + ": " : ""}expected to find ${JSON.stringify(expected)} in:\n${actual}`);
  }
}

/** Negative substring check. */
export function assertNotIncludes(actual: string, unexpected: string, message?: string): void {
  if (actual.includes(unexpected)) {
    throw new Error(`${message ? message + ": " : ""}did not expect ${JSON.stringify(unexpected)} in:\n${actual}`);
  }
}

/** `fn` throws (optionally an instance of `type` whose message includes `includes`). */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type?: abstract new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    checkError(e, type, includes);
    return e as E;
  }
  throw new Error("expected function to throw");
}

/** The promise rejects (optionally with an instance of `type` whose message includes `includes`). */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type?: abstract new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    checkError(e, type, includes);
    return e as E;
  }
  throw new Error("expected promise to reject");
}

// deno-lint-ignore no-explicit-any
function checkError(e: unknown, type?: abstract new (...args: any[]) => Error, includes?: string): void {
  if (type && !(e instanceof type)) {
    throw new Error(`expected ${type.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  if (includes && !(e instanceof Error && e.message.includes(includes))) {
    throw new Error(
      `expected error message to include ${JSON.stringify(includes)}, got: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

function show(v: unknown): string {
  return Deno.inspect(v, { depth: 8, iterableLimit: 200, strAbbreviateSize: 2000, sorted: true, compact: true });
}
