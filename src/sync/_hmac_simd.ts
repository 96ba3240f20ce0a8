/**
 * HMAC-SHA-256 of many short values at once, four per WebAssembly SIMD lane group. Masking
 * hashes three values per row, and in JavaScript that was most of a masked sync's CPU; with
 * 128-bit lanes one pass of the rounds serves four values. The module (~34 KB) is assembled
 * here, at load, from the SHA-256 definition: no binary blob, no build step. Where WebAssembly
 * SIMD is missing, {@link HmacBatch.create} returns undefined and the JavaScript HMAC serves.
 * Module-private to `src/sync/`.
 *
 * @module
 */
import { type HmacSha256, SHA256_K as K } from "./hmac_sha256.ts";

// Memory: the key's inner pad state at 0, outer at 32, message groups from 64 (16 words ×
// 4 lanes, word-major), digests after them (8 words per value, value-major).
const INNER = 0;
const OUTER = 32;
const INPUT = 64;
const GROUP_BYTES = 256;

// Opcodes (WebAssembly core and SIMD proposals).
const op = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32Add: 0x6a,
} as const;
const simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  splat: 0x11,
  extractLane: 0x1b,
  bitselect: 0x52,
  or: 0x50,
  xor: 0x51,
  shl: 0xab,
  shrU: 0xad,
  add: 0xae,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** The body of `run(groups, out)`: both HMAC compressions for `groups` groups of four values. */
function body(): number[] {
  const c: number[] = [];
  // Plain pushes, no spreads: this runs once per process, cold, ~15,000 times.
  const push = (bytes: number[]) => {
    for (let i = 0; i < bytes.length; i++) c.push(bytes[i]);
  };
  const v = (o: number, imm?: number[]) => {
    c.push(0xfd);
    push(uleb(o));
    if (imm) push(imm);
  };
  const get = (i: number) => c.push(op.get, i); // local indexes stay below 128: one LEB byte
  const set = (i: number) => c.push(op.set, i);
  const i32 = (n: number) => {
    c.push(op.i32Const);
    push(sleb(n));
  };
  const splat = (n: number) => {
    i32(n);
    v(simd.splat);
  };
  const splatLoad = (offset: number) => {
    i32(0);
    c.push(op.i32Load, 2);
    push(uleb(offset));
    v(simd.splat);
  };
  // Locals: 0 groups, 1 out (params); 2 group index, 3 input pointer, 4 output pointer;
  // v128: 5..20 message words, 21..28 working state, 29..30 scratch.
  const G = 2, IN = 3, OUT = 4, W = 5, S = 21, T1 = 29, T2 = 30;
  const rotr = (x: number, n: number) => {
    get(x);
    i32(n);
    v(simd.shrU);
    get(x);
    i32(32 - n);
    v(simd.shl);
    v(simd.or);
  };
  const mix = (x: number, a: number, b: number, shr: number | null, cc: number) => {
    rotr(x, a);
    rotr(x, b);
    v(simd.xor);
    if (shr === null) rotr(x, cc);
    else {
      get(x);
      i32(shr);
      v(simd.shrU);
    }
    v(simd.xor);
  };
  const compress = () => {
    const s = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => S + i); // a..h, renamed each round
    for (let r = 0; r < 64; r++) {
      const w = W + (r & 15);
      if (r >= 16) {
        // w[r] = σ1(w[r-2]) + w[r-7] + σ0(w[r-15]) + w[r-16], in the ring slot of w[r-16].
        mix(W + ((r - 2) & 15), 17, 19, 10, 0);
        get(W + ((r - 7) & 15));
        v(simd.add);
        mix(W + ((r - 15) & 15), 7, 18, 3, 0);
        v(simd.add);
        get(w);
        v(simd.add);
        set(w);
      }
      const [a, b, cc, d, e, f, g, h] = s;
      // T1 = h + Σ1(e) + Ch(e, f, g) + K[r] + w[r]
      get(h);
      mix(e, 6, 11, null, 25);
      v(simd.add);
      get(f);
      get(g);
      get(e);
      v(simd.bitselect);
      v(simd.add);
      v(simd.const, [...new Uint8Array(new Int32Array([K[r], K[r], K[r], K[r]]).buffer)]);
      v(simd.add);
      get(w);
      v(simd.add);
      set(T1);
      // T2 = Σ0(a) + Maj(a, b, c); Maj picks c where a and b differ, else b.
      mix(a, 2, 13, null, 22);
      get(cc);
      get(b);
      get(a);
      get(b);
      v(simd.xor);
      v(simd.bitselect);
      v(simd.add);
      set(T2);
      get(d);
      get(T1);
      v(simd.add);
      set(d); // becomes e
      get(T1);
      get(T2);
      v(simd.add);
      set(h); // becomes a
      s.unshift(s.pop()!);
    }
    return s;
  };
  get(1);
  set(OUT);
  i32(INPUT);
  set(IN);
  c.push(op.loop, 0x40);
  for (let j = 0; j < 16; j++) {
    get(IN);
    v(simd.load, [4, ...uleb(j * 16)]);
    set(W + j);
  }
  for (let i = 0; i < 8; i++) {
    splatLoad(INNER + i * 4);
    set(S + i);
  }
  let s = compress();
  // The inner digest, padded to one block, is the outer message.
  for (let i = 0; i < 8; i++) {
    get(s[i]);
    splatLoad(INNER + i * 4);
    v(simd.add);
    set(W + i);
  }
  for (let j = 8; j < 16; j++) {
    splat(j === 8 ? 0x80000000 : j === 15 ? (64 + 32) * 8 : 0);
    set(W + j);
  }
  for (let i = 0; i < 8; i++) {
    splatLoad(OUTER + i * 4);
    set(S + i);
  }
  s = compress();
  for (let i = 0; i < 8; i++) {
    get(s[i]);
    splatLoad(OUTER + i * 4);
    v(simd.add);
    set(T1);
    for (let lane = 0; lane < 4; lane++) {
      get(OUT);
      get(T1);
      v(simd.extractLane, [lane]);
      c.push(op.i32Store, 2);
      push(uleb(lane * 32 + i * 4));
    }
  }
  get(IN);
  i32(GROUP_BYTES);
  c.push(op.i32Add);
  set(IN);
  get(OUT);
  i32(128);
  c.push(op.i32Add);
  set(OUT);
  get(G);
  i32(1);
  c.push(op.i32Add);
  c.push(op.set + 1, G); // local.tee
  get(0);
  c.push(op.i32LtU, op.brIf, 0, op.end, op.end);
  return [...uleb(2), 3, 0x7f, 26, 0x7b, ...c];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const code = body();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name("run"), 0, 0, ...name("memory"), 2, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * Batches of HMAC-SHA-256 under one key, for values of at most 55 bytes (one inner block).
 *
 * @example
 * ```ts
 * import { HmacBatch } from "./_hmac_simd.ts";
 * import { HmacSha256 } from "./hmac_sha256.ts";
 * declare const key: Uint8Array, bytes: Uint8Array;
 *
 * const batch = HmacBatch.create(new HmacSha256(key))!;
 * batch.reserve(2);
 * batch.put(0, bytes, 0, 5);
 * batch.put(1, bytes, 6, 9);
 * batch.run(2);
 * batch.digests.subarray(8, 16); // the second value's HMAC, as 8 words
 * ```
 */
export class HmacBatch {
  /** The longest value a batch takes. */
  static readonly MAX_BYTES = 55;
  readonly #run: (groups: number, out: number) => void;
  readonly #memory: WebAssembly.Memory;
  readonly #inner: Int32Array;
  readonly #outer: Int32Array;
  #capacity = 0;
  #words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Digests of the last {@link run}: value i at `[i * 8, i * 8 + 8)`. */
  digests: Int32Array<ArrayBufferLike> = new Int32Array(0);

  private constructor(instance: WebAssembly.Instance, mac: HmacSha256) {
    this.#run = instance.exports.run as (groups: number, out: number) => void;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    ({ inner: this.#inner, outer: this.#outer } = mac.padStates());
  }

  /** A batch under `mac`'s key, or undefined where WebAssembly SIMD is unavailable. */
  static create(mac: HmacSha256): HmacBatch | undefined {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(moduleBytes());
      } catch {
        compiled = null;
      }
    }
    return compiled ? new HmacBatch(new WebAssembly.Instance(compiled), mac) : undefined;
  }

  /** Make room for `count` values (views from before may be stale after this). */
  reserve(count: number): void {
    if (count <= this.#capacity) return;
    const capacity = Math.max(count, this.#capacity * 2, 1024);
    const groups = (capacity + 3) >> 2;
    const needed = INPUT + groups * GROUP_BYTES + groups * 128;
    const pages = Math.ceil(needed / 65536) - this.#memory.buffer.byteLength / 65536;
    if (pages > 0) this.#memory.grow(pages);
    const buffer = this.#memory.buffer;
    const keys = new Int32Array(buffer, 0, 16);
    keys.set(this.#inner, INNER / 4);
    keys.set(this.#outer, OUTER / 4);
    this.#words = new Int32Array(buffer, INPUT, groups * 64);
    this.digests = new Int32Array(buffer, INPUT + groups * GROUP_BYTES, groups * 32);
    this.#capacity = groups * 4;
  }

  /** Put value `i`, the bytes `src[start..end)` (at most 55), into the batch. */
  put(i: number, src: Uint8Array, start: number, end: number): void {
    const words = this.#words;
    const n = end - start;
    // Word j of value i sits at group (i >> 2), row j, lane (i & 3).
    let at = ((i >> 2) << 6) + (i & 3);
    const full = n >> 2;
    let j = start;
    for (let w = 0; w < full; w++, j += 4, at += 4) {
      words[at] = (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8) | src[j + 3];
    }
    let last = 0x80 << (24 - ((n & 3) << 3));
    for (let k = n & 3, shift = 24; k > 0; k--, shift -= 8) last |= src[j++] << shift;
    words[at] = last;
    at += 4;
    for (let w = full + 1; w < 15; w++, at += 4) words[at] = 0;
    words[at] = (n + 64) * 8;
  }

  /** Hash values `0..count-1` into {@link digests}. */
  run(count: number): void {
    if (count === 0) return;
    const groups = (count + 3) >> 2;
    this.#run(groups, INPUT + (this.#capacity >> 2) * GROUP_BYTES);
  }
}
