/**
 * Watching a COPY text stream go by: count its rows and remember the last one, so a batch
 * moved as raw bytes still yields its row count and its last key, in flat memory.
 *
 * @module
 */

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
  const text = new TextDecoder().decode(line);
  return text.split("\t").map((field) => field === "\\N" ? null : unescapeField(field));
}

const SIMPLE: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

function unescapeField(field: string): string {
  if (!field.includes("\\")) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return SIMPLE[e] ?? e;
  });
}
