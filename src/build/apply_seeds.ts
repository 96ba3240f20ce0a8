/**
 * Run seed files in one transaction. Seeds may carry `COPY … FROM stdin;` blocks with their
 * data inline, as `pg_dump --data-only` writes them: those go through the COPY protocol.
 *
 * @module
 */
import type { Database, Session } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { ConfitureError, EXIT } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { findStatement } from "./apply.ts";
import { lineColumnAtOffset } from "./assemble.ts";
import { codePoints } from "../sql/source_text.ts";
import { splitStatements } from "../sql/sql_scan.ts";

/** A seed file and its text. */
export interface SeedFile {
  relativePath: string;
  content: string;
}

/** A piece of a seed file: plain SQL, or one COPY statement with its inline data. */
export type SeedPart =
  | { kind: "sql"; text: string; offset: number }
  | { kind: "copy"; statement: string; data: string; offset: number; dataOffset: number };

const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i;

/**
 * Cut a seed file into SQL and COPY parts (offsets are UTF-16 indexes into `content`).
 *
 * @example
 * ```ts
 * splitCopyBlocks("COPY t (a) FROM stdin;\n1\n2\n\\.\nSELECT 1;\n").map((p) => p.kind); // ["copy", "sql"]
 * ```
 */
export function splitCopyBlocks(content: string): SeedPart[] {
  const parts: SeedPart[] = [];
  let base = 0;
  while (base < content.length) {
    const rest = content.slice(base);
    const copy = splitStatements(rest).find((s) =>
      COPY_FROM_STDIN.test(s.text) && rest[s.start + s.text.length] === ";"
    );
    if (!copy) {
      if (rest.trim() !== "") parts.push({ kind: "sql", text: rest, offset: base });
      break;
    }
    if (rest.slice(0, copy.start).trim() !== "") {
      parts.push({ kind: "sql", text: rest.slice(0, copy.start), offset: base });
    }
    const eol = rest.indexOf("\n", copy.start + copy.text.length);
    const dataStart = eol < 0 ? rest.length : eol + 1;
    // The data ends at a line holding only `\.`, or at the end of the file (as in psql).
    const terminator = /^\\\.\r?$/m;
    terminator.lastIndex = 0;
    const tail = rest.slice(dataStart);
    const m = terminator.exec(tail);
    const dataEnd = m ? dataStart + m.index : rest.length;
    const after = m ? dataStart + m.index + m[0].length + 1 : rest.length;
    parts.push({
      kind: "copy",
      statement: copy.text,
      data: rest.slice(dataStart, dataEnd),
      offset: base + copy.start,
      dataOffset: base + dataStart,
    });
    base += Math.min(after, rest.length);
  }
  return parts;
}

/**
 * Run seed files in order, in one transaction. A failure throws (exit 1) naming the seed file,
 * line and column; no seed row is kept.
 */
export async function applySeeds(
  db: Database,
  seeds: readonly SeedFile[],
  onEvent: EventSink = silent,
): Promise<number> {
  if (seeds.length === 0) return 0;
  // A reserved session: COPY and the transaction must share one connection.
  const session = await db.reserve();
  try {
    await session.exec("BEGIN");
    try {
      for (const s of seeds) {
        onEvent({ type: "info", message: `Seeding ${s.relativePath}` });
        for (const part of splitCopyBlocks(s.content)) await runPart(session, s, part);
      }
      await session.exec("COMMIT");
    } catch (e) {
      await session.exec("ROLLBACK").catch(() => {});
      throw e;
    }
  } finally {
    await session.release();
  }
  return seeds.length;
}

async function runPart(session: Session, seed: SeedFile, part: SeedPart): Promise<void> {
  await session.exec("SAVEPOINT confiture_seed");
  try {
    if (part.kind === "sql") await session.exec(part.text);
    else await session.copyIn(part.statement, streamOf(part.data));
    await session.exec("RELEASE SAVEPOINT confiture_seed");
  } catch (e) {
    if (!(e instanceof DatabaseError)) throw e;
    throw seedError(seed, e, await locate(session, seed, part, e));
  }
}

async function locate(
  session: Session,
  seed: SeedFile,
  part: SeedPart,
  e: DatabaseError,
): Promise<{ line?: number; column?: number }> {
  const at = (offset: number, extra = 0) =>
    lineColumnAtOffset(seed.content, codePoints(seed.content.slice(0, offset)) + extra);
  if (part.kind === "copy") {
    // The server says which data line it choked on: `COPY t, line 3[, column …]`.
    const line = /\bline (\d+)/.exec(e.where ?? "")?.[1];
    if (!line) return at(part.offset);
    const { line: first } = at(part.dataOffset);
    return { line: first + Number(line) - 1, column: 1 };
  }
  if (e.position !== undefined) return at(part.offset, e.position - 1);
  await session.exec("ROLLBACK TO SAVEPOINT confiture_seed");
  const found = await findStatement(session, part.text, e);
  if (found.line === undefined) return {};
  const { line: first, column: firstCol } = at(part.offset);
  return { line: first + found.line - 1, column: found.line === 1 ? firstCol + found.column! - 1 : found.column };
}

function seedError(seed: SeedFile, e: DatabaseError, at: { line?: number; column?: number }): ConfitureError {
  const loc = `${seed.relativePath}${at.line ? `:${at.line}:${at.column}` : ""}`;
  return new ConfitureError("SEED_FAILED", EXIT.failure, `Cannot seed ${loc}: ${e.message}`, {
    file: seed.relativePath,
    line: at.line,
    column: at.column,
    detail: e.detail,
    hint: e.hint,
    details: { sqlstate: e.sqlstate },
    cause: e,
  });
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
