/**
 * Watching a COPY text stream go by: count its rows and remember the last one, so a batch
 * moved as raw bytes still yields its row count and its last key, in flat memory. The field
 * codec itself is `src/db/copy_text.ts`, shared with sync: one COPY text format, one decoder.
 *
 * @module
 */

import { unescapeCopyField } from "../db/copy_text.ts";

const NL = 0x0a;

/** What a {@link CopyRowTap} has seen so far. */
export interface CopyTapState {
  rows: number;
  /** The last complete line, without its newline; undefined before the first one. */
  lastLine?: Uint8Array;
}

/**
 * A pass-through TransformStream that counts COPY text rows (one per newline: data newlines
 * are escaped as `\n`) and keeps only the last complete row.
 */
export class CopyRowTap extends TransformStream<Uint8Array, Uint8Array> {
  readonly state: CopyTapState = { rows: 0 };

  constructor() {
    let partial: Uint8Array[] = [];
    const state: CopyTapState = { rows: 0 };
    super({
      transform(chunk, controller) {
        let last = -1;
        let prev = -1;
        for (let i = chunk.indexOf(NL); i >= 0; i = chunk.indexOf(NL, i + 1)) {
          state.rows++;
          prev = last;
          last = i;
        }
        if (last < 0) {
          partial.push(chunk);
        } else {
          state.lastLine = prev >= 0 ? chunk.slice(prev + 1, last) : concat([...partial, chunk.subarray(0, last)]);
          partial = last + 1 < chunk.length ? [chunk.slice(last + 1)] : [];
        }
        controller.enqueue(chunk);
      },
    });
    this.state = state;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Split one COPY text row into its fields, undoing the escapes; `\N` becomes null.
 *
 * @example
 * ```ts
 * decodeCopyRow(new TextEncoder().encode("1\ta\\tb\t\\N")); // ["1", "a\tb", null]
 * ```
 */
export function decodeCopyRow(line: Uint8Array): (string | null)[] {
  return new TextDecoder().decode(line).split("\t").map(unescapeCopyField);
}
