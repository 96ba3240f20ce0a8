/**
 * Masking COPY text at the byte level. Rows are never decoded: the walker finds the masked
 * fields between tabs, copies every other byte through, and hands each field to its rewriter's
 * byte form ({@link ByteMask}) when it has one and the field holds no escape, with the HMACs of
 * a whole chunk computed in one batch. Anything else (NULL, escapes, strategies without a byte
 * form) goes through the string form, field by field, with the same decode → rewrite → escape
 * steps as ever.
 *
 * @module
 */
import type { FieldRewriter } from "./copy_text.ts";
import { COPY_NULL, escapeCopyField, unescapeCopyField } from "../db/copy_text.ts";
import type { ByteMask } from "./_mask_types.ts";
import { HmacBatch } from "./_hmac_simd.ts";

const TAB = 9;
const NL = 10;
const BACKSLASH = 92;

/**
 * Rewrites whole COPY lines into an output buffer that grows as needed. One instance serves
 * one stream (or one worker); it is not reentrant. Each call makes two passes: the first
 * finds the masked fields and queues the short ones of keyed strategies for one batched
 * HMAC ({@link HmacBatch}), the second writes the output.
 */
export class CopyRowRewriter {
  readonly #indexes: number[];
  readonly #text: FieldRewriter[];
  readonly #bytes: (ByteMask | undefined)[];
  // Per column: whether its HMACs go through the batch (same key as the batch).
  readonly #batched: boolean[];
  readonly #batch: HmacBatch | undefined;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #encoder = new TextEncoder();
  #out: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #pos = 0;
  // The masked fields found by the first pass: span, column, flags, batch slot (-1: none).
  #starts = new Int32Array(1024);
  #ends = new Int32Array(1024);
  #columns = new Int32Array(1024);
  #slots = new Int32Array(1024);

  constructor(rewriters: ReadonlyMap<number, FieldRewriter>) {
    this.#indexes = [...rewriters.keys()].sort((a, b) => a - b);
    this.#text = this.#indexes.map((i) => rewriters.get(i)!);
    this.#bytes = this.#text.map((f) => f.bytes);
    const mac = this.#bytes.find((b) => b?.mac)?.mac;
    this.#batch = mac ? HmacBatch.create(mac) : undefined;
    this.#batched = this.#bytes.map((b) => this.#batch !== undefined && b?.mac === mac);
  }

  /** Start a new output chunk with room for about `bytes`. */
  begin(bytes: number): void {
    this.#out = new Uint8Array(bytes + (bytes >> 3) + 1024);
    this.#pos = 0;
  }

  /** The output written since {@link begin}. */
  take(): Uint8Array<ArrayBuffer> {
    const out = this.#out.subarray(0, this.#pos);
    this.#out = new Uint8Array(0);
    this.#pos = 0;
    return out;
  }

  /** Rewrite the lines in `src[start..end)`, which ends with a newline; returns the row count. */
  lines(src: Uint8Array, start: number, end: number): number {
    const { rows, fields, slots } = this.#find(src, start, end);
    this.#batch?.run(slots);
    const digests = this.#batch?.digests;
    // Untouched bytes are copied lazily, so the span from one row's last masked field to the
    // next row's first one moves in one copy.
    let copied = start;
    for (let i = 0; i < fields; i++) {
      const from = this.#starts[i];
      const to = this.#ends[i];
      this.#copy(src, copied, from);
      copied = to;
      const k = this.#columns[i] >> 1;
      const bytes = this.#bytes[k];
      const slot = this.#slots[i];
      if (slot >= 0) {
        this.#reserve(to - from + bytes!.maxBytes);
        this.#pos = bytes!(src, from, to, digests!, slot * 8, this.#out, this.#pos);
      } else if ((this.#columns[i] & 1) === 0 && bytes !== undefined) {
        this.#reserve(to - from + bytes.maxBytes);
        const d = bytes.mac ? bytes.mac.digestRange(src, from, to) : NO_DIGEST;
        this.#pos = bytes(src, from, to, d, 0, this.#out, this.#pos);
      } else this.#field(k, src, from, to);
    }
    this.#copy(src, copied, end);
    return rows;
  }

  // First pass: the masked fields of every line, as spans; a column's entry is k * 2 + 1 when
  // the field holds an escape (or is NULL). Short unescaped values of batched columns get a slot.
  #find(src: Uint8Array, start: number, end: number): { rows: number; fields: number; slots: number } {
    const indexes = this.#indexes;
    const count = indexes.length;
    const last = count > 0 ? indexes[count - 1] : -1;
    const batch = this.#batch;
    let rows = 0;
    let fields = 0;
    let slots = 0;
    let line = start;
    while (line < end) {
      let field = line;
      let col = 0;
      let k = 0;
      let b = 0;
      for (;;) {
        let e = field;
        let escaped = 0;
        while ((b = src[e]) !== TAB && b !== NL) {
          if (b === BACKSLASH) escaped = 1;
          e++;
        }
        // An empty field stays empty: it is copied as it is, like an unmasked one.
        if (col === indexes[k] && e === field) k++;
        else if (col === indexes[k]) {
          if (fields === this.#starts.length) this.#grow();
          this.#starts[fields] = field;
          this.#ends[fields] = e;
          this.#columns[fields] = (k << 1) | escaped;
          let slot = -1;
          if (escaped === 0 && this.#batched[k] && e - field <= HmacBatch.MAX_BYTES) {
            slot = slots++;
            batch!.reserve(slots);
            batch!.put(slot, src, field, e);
          }
          this.#slots[fields++] = slot;
          k++;
        }
        if (b === NL || col === last) {
          line = b === NL ? e + 1 : src.indexOf(NL, e) + 1;
          break;
        }
        field = e + 1;
        col++;
      }
      rows++;
    }
    return { rows, fields, slots };
  }

  #grow(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.#starts = grow(this.#starts);
    this.#ends = grow(this.#ends);
    this.#columns = grow(this.#columns);
    this.#slots = grow(this.#slots);
  }

  // The string form, as before byte forms existed: decode, unescape, rewrite, escape.
  #field(k: number, src: Uint8Array, start: number, end: number): void {
    // NULL stays NULL: every rewriter maps null to null.
    if (end - start === 2 && src[start] === BACKSLASH && src[start + 1] === 78) {
      this.#reserve(2);
      this.#out[this.#pos++] = BACKSLASH;
      this.#out[this.#pos++] = 78;
      return;
    }
    const fn = this.#text[k];
    const value = fn(unescapeCopyField(this.#decoder.decode(src.subarray(start, end))));
    const text = fn.clean ? (value === null ? COPY_NULL : value) : escapeCopyField(value);
    this.#reserve(text.length * 3);
    this.#pos += this.#encoder.encodeInto(text, this.#out.subarray(this.#pos)).written;
  }

  #copy(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.#reserve(n);
    const out = this.#out;
    let p = this.#pos;
    // Short spans (the tabs between masked fields) are cheaper byte by byte than a subarray.
    if (n < 16) { for (let i = from; i < to; i++) out[p++] = src[i]; }
    else {
      out.set(src.subarray(from, to), p);
      p += n;
    }
    this.#pos = p;
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#out.length) return;
    const grown = new Uint8Array(Math.max(this.#out.length * 2, this.#pos + n + 1024));
    grown.set(this.#out.subarray(0, this.#pos));
    this.#out = grown;
  }
}

const NO_DIGEST = new Int32Array(8);

/**
 * Rewrite a chunk of whole COPY lines (see `wholeLines`) in one call: the form the masking
 * workers use.
 */
export function rewriteCopyChunk(
  rewriter: CopyRowRewriter,
  chunk: Uint8Array,
): { data: Uint8Array<ArrayBuffer>; rows: number } {
  rewriter.begin(chunk.length);
  const rows = rewriter.lines(chunk, 0, chunk.length);
  return { data: rewriter.take(), rows };
}

/**
 * A stream of COPY text in any chunking in which the fields at the rewriters' columns are
 * rewritten on this thread. A line cut between two chunks is joined from its two pieces
 * alone; chunks are never concatenated. A last line without a newline gets one.
 */
export function rewriteCopyRows(
  rewriters: ReadonlyMap<number, FieldRewriter>,
  onRows: (rows: number) => void,
): TransformStream<Uint8Array, Uint8Array> {
  const rewriter = new CopyRowRewriter(rewriters);
  let carry: Uint8Array[] = [];
  let carried = 0;
  const joinCarry = (head: Uint8Array) => {
    const line = new Uint8Array(carried + head.length);
    let at = 0;
    for (const piece of carry) {
      line.set(piece, at);
      at += piece.length;
    }
    line.set(head, at);
    carry = [];
    carried = 0;
    return line;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const lastNl = chunk.lastIndexOf(NL);
      if (lastNl < 0) {
        carry.push(chunk.slice());
        carried += chunk.length;
        return;
      }
      rewriter.begin(chunk.length + carried);
      let rows = 0;
      let from = 0;
      if (carried > 0) {
        from = chunk.indexOf(NL) + 1;
        const line = joinCarry(chunk.subarray(0, from));
        rows += rewriter.lines(line, 0, line.length);
      }
      if (from <= lastNl) rows += rewriter.lines(chunk, from, lastNl + 1);
      if (lastNl + 1 < chunk.length) {
        // The chunk may view a driver buffer that is reused: keep a copy of the tail.
        carry.push(chunk.slice(lastNl + 1));
        carried = chunk.length - lastNl - 1;
      }
      controller.enqueue(rewriter.take());
      onRows(rows);
    },
    flush(controller) {
      if (carried === 0) return;
      const line = joinCarry(Uint8Array.of(NL));
      rewriter.begin(line.length);
      const rows = rewriter.lines(line, 0, line.length);
      controller.enqueue(rewriter.take());
      onRows(rows);
    },
  });
}
