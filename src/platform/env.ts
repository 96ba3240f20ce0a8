/**
 * Environment adapter: reading variables without crashing when permission is missing.
 *
 * @module
 */

/** Look up an environment variable; `undefined` when unset or not permitted. */
export function getEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The user name running the process, for `applied_by` fallbacks and libpq defaults. */
export function osUser(): string | undefined {
  return getEnv("USER") ?? getEnv("USERNAME") ?? getEnv("LOGNAME");
}
