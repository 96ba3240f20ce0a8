/**
 * A migration file as the linter reads it: the statements of the one reader
 * (`src/sql/split.ts`), the file's `SourceText` for byte ranges, and the `--` comments holding
 * `confiture:` directives, which running never needs. The parser is imported on first use so
 * commands that never lint do not load it.
 *
 * @module
 */
import { loadParser } from "../sql/parser.ts";
import { SourceText } from "../sql/source_text.ts";
import { splitStatements, type Statement } from "../sql/split.ts";

/** A `--` comment found by the scanner (never one inside a string or dollar quote). */
export interface LineComment {
  text: string;
  start: number;
  end: number;
  line: number;
}

/** A parsed SQL file. */
export interface ParsedSql {
  file: string;
  source: SourceText;
  statements: Statement[];
  /** The `--` comments, read only when the file mentions `confiture:` (they carry directives). */
  comments: LineComment[];
}

/**
 * Parse `sql` (the contents of `file`, shown in messages as given). Unparseable SQL throws a
 * SchemaError (exit 4) pointing at file:line:col.
 */
export async function parseSql(file: string, sql: string): Promise<ParsedSql> {
  const source = new SourceText(sql);
  // The parser rejects an empty string; a file of only whitespace has no statements.
  if (!/\S/.test(sql)) return { file, source, statements: [], comments: [] };
  const statements = await splitStatements(sql, file);
  const comments: LineComment[] = [];
  // Comments serve the `-- confiture:` directives only, and scanning costs more than parsing:
  // a file that never says `confiture:` has no directive to find.
  const scanned = /confiture:/i.test(sql) ? (await loadParser()).scan(sql) : { tokens: [] };
  for (const t of scanned.tokens) {
    if (t.tokenName !== "SQL_COMMENT") continue;
    comments.push({
      text: source.slice(t.start, t.end),
      start: t.start,
      end: t.end,
      line: source.positionAt(t.start).line,
    });
  }
  return { file, source, statements, comments };
}
