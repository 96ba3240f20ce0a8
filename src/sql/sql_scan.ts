/**
 * A lexical scan of SQL text that knows comments, strings, quoted identifiers and dollar
 * quotes, without the parser: to find a file that ends inside one (concatenated by `build`, such
 * a file would swallow the files after it), to split a script roughly into statements, and to
 * find psql meta-command lines (`src/sql/psql_meta.ts`, for build, migrate and the lint).
 *
 * @module
 */

/** Where an unterminated construct starts. Lines and columns are 1-based. */
export interface Unterminated {
  kind: "block comment" | "string" | "quoted identifier" | "dollar-quoted string";
  line: number;
  column: number;
  /** The opening token, e.g. `/*`, `'`, `$body$`. */
  opener: string;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/**
 * The first construct left open at the end of `sql`, or null when everything is closed.
 *
 * @example
 * ```ts
 * findUnterminated("SELECT 1; /* note"); // { kind: "block comment", line: 1, column: 11, opener: "/*" }
 * ```
 */
export function findUnterminated(sql: string): Unterminated | null {
  return scanSql(sql);
}

/** A top-level statement of a script: its text and the offset of its first significant character. */
export interface StatementRange {
  /** 0-based UTF-16 offset in the script of the statement's first character that is not blank or comment. */
  start: number;
  /** The statement, without its terminating semicolon. */
  text: string;
}

/**
 * Split a script on top-level semicolons (not inside comments, strings or dollar quotes).
 * Good enough to point at a statement; `BEGIN ATOMIC … END` bodies are split too.
 */
export function splitStatements(sql: string): StatementRange[] {
  const out: StatementRange[] = [];
  let start = -1;
  scanSql(sql, {
    code(i) {
      if (start < 0) start = i;
    },
    semicolon(i) {
      if (start >= 0) out.push({ start, text: sql.slice(start, i) });
      start = -1;
    },
  });
  if (start >= 0 && sql.slice(start).trim() !== "") out.push({ start, text: sql.slice(start) });
  return out;
}

/** A psql meta-command line (`\restrict …`) at the top level of a script. */
export interface MetaCommand {
  /** 0-based UTF-16 offsets of the backslash and of the end of the line (the newline excluded). */
  start: number;
  end: number;
  /** The command word without its backslash, e.g. `restrict`. */
  command: string;
}

/**
 * The psql meta-commands of a script: lines whose first significant character, outside
 * comments, strings and dollar quotes, is a backslash. pg_dump writes `\restrict` and
 * `\unrestrict`; the server would read them as syntax errors.
 */
export function findMetaCommands(sql: string): MetaCommand[] {
  if (!sql.includes("\\")) return [];
  const out: MetaCommand[] = [];
  let skipTo = -1;
  scanSql(sql, {
    code(i) {
      if (sql[i] !== "\\" || i < skipTo) return;
      const lineStart = sql.lastIndexOf("\n", i - 1) + 1;
      if (/^[ \t]*$/.test(sql.slice(lineStart, i))) {
        const eol = sql.indexOf("\n", i);
        const end = eol < 0 ? sql.length : eol;
        out.push({ start: i, end, command: /^\\([A-Za-z!?]*)/.exec(sql.slice(i))?.[1] ?? "" });
        skipTo = end;
      }
    },
    semicolon() {},
  });
  return out;
}

interface ScanHooks {
  /** Called at the first character of anything that is not blank or a comment. */
  code(i: number): void;
  semicolon(i: number): void;
}

function scanSql(sql: string, hooks?: ScanHooks): Unterminated | null {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (hooks && !(ch === "-" && next === "-") && !(ch === "/" && next === "*") && !/\s/.test(ch)) {
      if (ch === ";") hooks.semicolon(i);
      else hooks.code(i);
    }
    if (ch === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      if (eol < 0) return null;
      i = eol + 1;
    } else if (ch === "/" && next === "*") {
      // Block comments nest in PostgreSQL.
      const start = i;
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return at(sql, start, "block comment", "/*");
    } else if (ch === "'") {
      const start = i;
      // E'...' strings allow backslash escapes.
      const escapes = i > 0 && (sql[i - 1] === "E" || sql[i - 1] === "e") && !isIdentChar(sql[i - 2]);
      i++;
      let closed = false;
      while (i < n) {
        const c = sql[i];
        if (escapes && c === "\\") i += 2;
        else if (c === "'") {
          if (sql[i + 1] === "'") i += 2;
          else {
            i++;
            closed = true;
            break;
          }
        } else i++;
      }
      if (!closed) return at(sql, escapes ? start - 1 : start, "string", escapes ? "E'" : "'");
    } else if (ch === '"') {
      const start = i;
      i++;
      let closed = false;
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            closed = true;
            break;
          }
        } else i++;
      }
      if (!closed) return at(sql, start, "quoted identifier", '"');
    } else if (ch === "$" && !isIdentChar(sql[i - 1])) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(sql);
      if (!m) {
        i++;
        continue;
      }
      const tag = m[0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) return at(sql, i, "dollar-quoted string", tag);
      i = end + tag.length;
    } else if (isIdentChar(ch)) {
      // Skip whole identifiers so `a$b$` or `x'` inside a name is not read as a quote.
      i++;
      while (i < n && (isIdentChar(sql[i]) || sql[i] === "$")) i++;
    } else i++;
  }
  return null;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_\u0080-\uffff]/.test(c);
}

function at(sql: string, index: number, kind: Unterminated["kind"], opener: string): Unterminated {
  let line = 1;
  let last = -1;
  for (let i = sql.indexOf("\n"); i >= 0 && i < index; i = sql.indexOf("\n", i + 1)) {
    line++;
    last = i;
  }
  return { kind, line, column: index - last, opener };
}
