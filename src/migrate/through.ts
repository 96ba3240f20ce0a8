/**
 * Choosing migrations by a `through` argument (`baseline`, `reinit`): a version or
 * `version_name`, matched as numbers so `1` and `001` agree. Pure, beside its unit test.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type MigrationFile, versionKey } from "./files.ts";

/**
 * The files up to and including `through`; an unknown version throws ConfigError (exit 5)
 * naming the last known ones.
 *
 * @example
 * ```ts
 * import { filesThrough } from "./through.ts";
 * const files = [{ version: "001", name: "a", upPath: "/m/001_a.up.sql" }, { version: "002", name: "b", upPath: "/m/002_b.up.sql" }];
 * filesThrough(files, "1").map((f) => f.version); // ["001"]
 * ```
 */
export function filesThrough(files: readonly MigrationFile[], through: string): MigrationFile[] {
  const stem = /^(\d+)(?:_(.+))?$/.exec(through);
  const idx = stem
    ? files.findIndex((f) => versionKey(f.version) === versionKey(stem[1]) && (!stem[2] || stem[2] === f.name))
    : -1;
  if (idx < 0) {
    const known = files.slice(-10).map((f) => f.version).join(", ");
    throw new ConfigError(
      `Unknown version "${through}"${known ? `; known versions end with: ${known}` : ": there are no migration files"}`,
    );
  }
  return files.slice(0, idx + 1);
}

/** The applied row for `version`, if any (`1` finds `001`). */
export function findApplied<T extends { version: string }>(applied: readonly T[], version: string): T | undefined {
  const key = versionKey(version);
  return applied.find((a) => versionKey(a.version) === key);
}
