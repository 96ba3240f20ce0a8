/**
 * Where a library entry's configuration comes from: a config file path, a connection URL or an
 * Environment already loaded. Resolution lives with config so every medium reads it the same way.
 *
 * @module
 */
import { type DatabaseTarget, parseDatabaseUrl } from "../db/url.ts";
import { getEnv } from "../platform/env.ts";
import type { Environment } from "./environment.ts";
import { environmentFromUrl, loadEnvironment } from "./load.ts";

/** A config file path, a connection URL (`postgres://…`, `pglite:…`), or a loaded Environment. */
export type ConfigSource = string | URL | Environment;

/**
 * Resolve a {@link ConfigSource} to an Environment: a URL becomes a one-off environment, any
 * other string is read as a config file.
 *
 * @example
 * ```ts
 * import { resolveEnvironment } from "./resolve.ts";
 * const env = await resolveEnvironment("pglite:memory");
 * env.migrationsDir; // …/db/migrations
 * ```
 */
export async function resolveEnvironment(source: ConfigSource): Promise<Environment> {
  if (typeof source === "object" && !(source instanceof URL)) return source;
  const text = String(source);
  return /^(postgres(ql)?|pglite):/i.test(text)
    ? await environmentFromUrl(text)
    : await loadEnvironment({ configFile: text });
}

/** Migrations need a real session for the advisory lock: the direct URL when set, else the target. */
export function migrationTarget(env: Environment): DatabaseTarget {
  return env.directUrl ? parseDatabaseUrl(env.directUrl, getEnv, env.projectDir) : env.target;
}
