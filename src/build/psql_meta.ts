/**
 * psql meta-commands in schema files. pg_dump (since the August 2025 minor releases, e.g. 15.14 and 17.6) brackets its output
 * with `\restrict KEY` … `\unrestrict KEY`, which guard psql and mean nothing to the server:
 * they are blanked before applying. Any other meta-command (`\connect`, `\i`, `\set`) changes
 * what psql would do, so it is refused, naming the file and line.
 *
 * @module
 */
import { SchemaError } from "../errors.ts";
import { locateInSchema, type Segment } from "./assemble.ts";
import { codePoints } from "../sql/source_text.ts";
import { findMetaCommands } from "./sql_scan.ts";

const HARMLESS = new Set(["restrict", "unrestrict"]);

/**
 * `sql` with pg_dump's `\restrict`/`\unrestrict` lines replaced by spaces (so error positions
 * still point at the right column). Throws SchemaError (exit 4) on any other meta-command.
 */
export function withoutPsqlMetaCommands(
  sql: string,
  where: { segments: readonly Segment[]; sources: ReadonlyMap<string, string> } | { file: string },
): string {
  const metas = findMetaCommands(sql);
  if (metas.length === 0) return sql;
  let out = "";
  let at = 0;
  for (const m of metas) {
    if (!HARMLESS.has(m.command)) throw unsupported(sql, m.start, `\\${m.command}`, where);
    out += sql.slice(at, m.start) + " ".repeat(m.end - m.start);
    at = m.end;
  }
  return out + sql.slice(at);
}

function unsupported(
  sql: string,
  start: number,
  command: string,
  where: { segments: readonly Segment[]; sources: ReadonlyMap<string, string> } | { file: string },
): SchemaError {
  const before = sql.slice(0, start);
  const loc = "file" in where
    ? { file: where.file, line: before.split("\n").length, column: 1 }
    : locateInSchema(where, where.sources, codePoints(before) + 1);
  const at = loc ? `${loc.file}:${loc.line}:${loc.column}` : "the schema";
  return new SchemaError(`Cannot apply ${at}: psql meta-command ${command} is not SQL`, {
    code: "BUILD_PSQL_META_COMMAND",
    file: loc?.file,
    line: loc?.line,
    column: loc?.column,
    hint: "Schema files are sent to the server as SQL: remove psql meta-commands (only pg_dump's \\restrict and " +
      "\\unrestrict are skipped)",
  });
}
