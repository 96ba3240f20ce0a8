/**
 * PostgreSQL's COPY text format: one row per line, fields separated by tabs, `\N` for NULL,
 * backslash escapes for tab, newline, carriage return and backslash. Here: rewriting rows and
 * cutting streams at whole lines; the field codec is `src/db/copy_text.ts`.
 *
 * @module
 */
import type { ByteMask } from "./_mask_types.ts";
import { COPY_NULL, escapeCopyField, unescapeCopyField } from "../db/copy_text.ts";

/**
 * Rewrites selected fields of one COPY row; receives and returns decoded values. `clean`
 * promises outputs without backslash, tab or line breaks, so escaping is skipped; `bytes` is
 * the same rewrite on raw field bytes, when the strategy has one.
 */
export type FieldRewriter = ((value: string | null) => string | null) & { clean?: boolean; bytes?: ByteMask };

/**
 * Rewrite the fields at the rewriters' column indexes in complete COPY lines (`text` ends
 * with a newline); every other character is copied through. Returns the text and row count.
 */
export function rewriteCopyLines(
  text: string,
  rewriters: ReadonlyMap<number, FieldRewriter>,
): { text: string; rows: number } {
  const indexes = [...rewriters.keys()].sort((a, b) => a - b);
  const fns = indexes.map((i) => rewriters.get(i)!);
  const clean = fns.map((f) => f.clean === true);
  const last = indexes.length > 0 ? indexes[indexes.length - 1] : -1;
  const parts: string[] = [];
  let rows = 0;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf("\n", pos);
    if (nl < 0) break;
    // Walk the tabs up to the last rewritten column, copying untouched spans whole.
    let start = pos;
    let col = 0;
    let k = 0;
    let copiedTo = pos;
    while (col <= last) {
      let end = text.indexOf("\t", start);
      if (end < 0 || end > nl) end = nl;
      if (col === indexes[k]) {
        if (start > copiedTo) parts.push(text.slice(copiedTo, start));
        const out = fns[k](unescapeCopyField(text.slice(start, end)));
        parts.push(clean[k] ? (out === null ? COPY_NULL : out) : escapeCopyField(out));
        copiedTo = end;
        k++;
      }
      if (end === nl) break;
      start = end + 1;
      col++;
    }
    parts.push(text.slice(copiedTo, nl + 1));
    rows++;
    pos = nl + 1;
  }
  return { text: parts.join(""), rows };
}

/** Bytes gathered before a chunk moves on: the server sends one COPY message per row. */
export const CHUNK_BYTES = 64 * 1024;

function concat(pieces: Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Re-chunk a byte stream of COPY text into chunks of about `minBytes` that end on a line
 * end (the tail waits for the next chunk). A newline byte never occurs inside a UTF-8
 * sequence, so the cut is safe at the byte level. Fewer, larger chunks make every later
 * stage, and the writes to the target, cheaper than one message per row.
 */
export function wholeLines(minBytes = CHUNK_BYTES): TransformStream<Uint8Array, Uint8Array> {
  let pieces: Uint8Array[] = [];
  let size = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pieces.push(chunk);
      size += chunk.length;
      if (size < minBytes) return;
      const data = concat(pieces, size);
      pieces = [];
      size = 0;
      const nl = data.lastIndexOf(10);
      if (nl < data.length - 1) {
        const rest = data.slice(nl + 1);
        pieces.push(rest);
        size = rest.length;
      }
      if (nl >= 0) controller.enqueue(data.subarray(0, nl + 1));
    },
    flush(controller) {
      if (size === 0) return;
      const data = concat(pieces, size);
      if (data[data.length - 1] === 10) return controller.enqueue(data);
      const last = new Uint8Array(data.length + 1);
      last.set(data);
      last[data.length] = 10;
      controller.enqueue(last);
    },
  });
}

/**
 * The fast path for tables with nothing to mask: bytes are never decoded, only gathered
 * into chunks of about `minBytes` and counted by their newlines.
 */
export function countCopyRows(
  onRows: (rows: number) => void,
  minBytes = CHUNK_BYTES,
): TransformStream<Uint8Array, Uint8Array> {
  let pieces: Uint8Array[] = [];
  let size = 0;
  const send = (controller: TransformStreamDefaultController<Uint8Array>) => {
    const data = concat(pieces, size);
    pieces = [];
    size = 0;
    let rows = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) rows++;
    controller.enqueue(data);
    if (rows > 0) onRows(rows);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pieces.push(chunk);
      size += chunk.length;
      if (size >= minBytes) send(controller);
    },
    flush(controller) {
      if (size > 0) send(controller);
    },
  });
}
