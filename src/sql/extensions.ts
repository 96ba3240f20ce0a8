/**
 * Which extensions a script creates, read from its `CREATE EXTENSION` statements (outside
 * comments, strings and function bodies), so an embedded engine can load just those.
 *
 * @module
 */
import { splitStatements } from "./sql_scan.ts";

const CREATE_EXTENSION = /^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)/i;

/**
 * The extension names `sql` creates, in order of first appearance.
 *
 * @example
 * ```ts
 * extensionsCreatedBy(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION citext WITH SCHEMA public;`);
 * // ["uuid-ossp", "citext"]
 * ```
 */
export function extensionsCreatedBy(...scripts: readonly string[]): string[] {
  const names = new Set<string>();
  for (const sql of scripts) {
    if (!/CREATE\s+EXTENSION/i.test(sql)) continue;
    for (const stmt of splitStatements(sql)) {
      const m = CREATE_EXTENSION.exec(stmt.text);
      if (!m) continue;
      names.add(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1].toLowerCase());
    }
  }
  return [...names];
}
