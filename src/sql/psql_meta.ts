/**
 * psql meta-commands in SQL files. pg_dump (since the August 2025 minor releases, e.g. 15.14,
 * 16.10 and 17.6; CVE-2025-8714) brackets its output with `\restrict KEY` … `\unrestrict KEY`,
 * which guard psql and mean nothing to the server: they are blanked before parsing or applying.
 * Any other meta-command (`\connect`, `\i`, `\set`, `\copy`) changes what psql would do, so it
 * is refused, naming the file and line. One rule for every reader: `build` (schema files),
 * `migrate` (the runner) and the lint (which must see the statements the runner sends).
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { codePoints } from "./source_text.ts";
import { findMetaCommands } from "./sql_scan.ts";

const HARMLESS = new Set(["restrict", "unrestrict"]);

/** A 1-based place in a file; the column counts characters. */
export interface MetaLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Where the text comes from: one file, or a locator from a 1-based code-point position in the
 * text to its source file (a built schema concatenates many).
 */
export type MetaSource = { file: string } | { locate(position: number): MetaLocation | undefined };

/**
 * `sql` with pg_dump's `\restrict`/`\unrestrict` lines replaced by spaces, so the text keeps its
 * length and every later statement its line, column and offset. Throws SchemaError (exit 4,
 * `PSQL_META_COMMAND`) on any other meta-command; `action` names what was attempted
 * (`Cannot apply …`, `Cannot parse …`).
 *
 * @example
 * ```ts
 * import { withoutPsqlMetaCommands } from "./psql_meta.ts";
 * withoutPsqlMetaCommands("\\restrict k\nSELECT 1;", { file: "001.up.sql" }); // "           \nSELECT 1;"
 * ```
 */
export function withoutPsqlMetaCommands(sql: string, where: MetaSource, action = "apply"): string {
  const metas = findMetaCommands(sql);
  if (metas.length === 0) return sql;
  let out = "";
  let at = 0;
  for (const m of metas) {
    if (!HARMLESS.has(m.command)) throw unsupported(sql, m.start, `\\${m.command}`, where, action);
    out += sql.slice(at, m.start) + " ".repeat(m.end - m.start);
    at = m.end;
  }
  return out + sql.slice(at);
}

function unsupported(sql: string, start: number, command: string, where: MetaSource, action: string): SchemaError {
  const before = sql.slice(0, start);
  const lineStart = before.lastIndexOf("\n") + 1;
  const loc = "file" in where
    ? { file: where.file, line: before.split("\n").length, column: codePoints(before.slice(lineStart)) + 1 }
    : where.locate(codePoints(before) + 1);
  const at = loc ? `${loc.file}:${loc.line}:${loc.column}` : "the schema";
  return new SchemaError(`Cannot ${action} ${at}: psql meta-command ${command} is not SQL`, {
    code: "PSQL_META_COMMAND",
    file: loc?.file,
    line: loc?.line,
    column: loc?.column,
    hint: "Confiture sends files to the server as SQL, not through psql: remove the meta-command " +
      "(only pg_dump's \\restrict and \\unrestrict lines are skipped)",
  });
}
