/**
 * A synchronous, allocation-free HMAC-SHA-256 for short values. Anonymizing a million rows
 * means millions of HMACs: WebCrypto costs one await per value (~21k/s), so the key's inner
 * and outer pad states are computed once and each value costs two or three compressions.
 *
 * @module
 */

/** SHA-256 round constants. */
export const SHA256_K: Int32Array = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

const K = SHA256_K;

const INITIAL = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at `buf[off..off+64]` into `h`. */
function compress(h: Int32Array, buf: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + (i << 2);
    W[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
  }
  compressW(h);
}

/** One SHA-256 compression of the block whose 16 words are already in `W[0..16)`. */
function compressW(h: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    W[i] = (W[i - 16] + (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) + W[i - 7] +
      (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  // Eight rounds per iteration, so the working variables never shuffle.
  for (let i = 0; i < 64; i += 8) {
    hh = (hh + S1(e) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    d = (d + hh) | 0;
    hh = (hh + S0(a) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    g = (g + S1(d) + ((d & e) ^ (~d & f)) + K[i + 1] + W[i + 1]) | 0;
    c = (c + g) | 0;
    g = (g + S0(hh) + ((hh & a) ^ (hh & b) ^ (a & b))) | 0;
    f = (f + S1(c) + ((c & d) ^ (~c & e)) + K[i + 2] + W[i + 2]) | 0;
    b = (b + f) | 0;
    f = (f + S0(g) + ((g & hh) ^ (g & a) ^ (hh & a))) | 0;
    e = (e + S1(b) + ((b & c) ^ (~b & d)) + K[i + 3] + W[i + 3]) | 0;
    a = (a + e) | 0;
    e = (e + S0(f) + ((f & g) ^ (f & hh) ^ (g & hh))) | 0;
    d = (d + S1(a) + ((a & b) ^ (~a & c)) + K[i + 4] + W[i + 4]) | 0;
    hh = (hh + d) | 0;
    d = (d + S0(e) + ((e & f) ^ (e & g) ^ (f & g))) | 0;
    c = (c + S1(hh) + ((hh & a) ^ (~hh & b)) + K[i + 5] + W[i + 5]) | 0;
    g = (g + c) | 0;
    c = (c + S0(d) + ((d & e) ^ (d & f) ^ (e & f))) | 0;
    b = (b + S1(g) + ((g & hh) ^ (~g & a)) + K[i + 6] + W[i + 6]) | 0;
    f = (f + b) | 0;
    b = (b + S0(c) + ((c & d) ^ (c & e) ^ (d & e))) | 0;
    a = (a + S1(f) + ((f & g) ^ (~f & hh)) + K[i + 7] + W[i + 7]) | 0;
    e = (e + a) | 0;
    a = (a + S0(b) + ((b & c) ^ (b & d) ^ (c & d))) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + hh) | 0;
}

function S0(x: number): number {
  return ((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10));
}

function S1(x: number): number {
  return ((x >>> 6) | (x << 26)) ^ ((x >>> 11) | (x << 21)) ^ ((x >>> 25) | (x << 7));
}

/**
 * HMAC-SHA-256 under one key. `digest` returns a shared buffer that the next call overwrites:
 * copy what you keep.
 *
 * @example
 * ```ts
 * const mac = new HmacSha256(new TextEncoder().encode("secret"));
 * const words = mac.digestString("alice@example.com"); // 8 big-endian 32-bit words
 * ```
 */
export class HmacSha256 {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);
  readonly #state = new Int32Array(8);
  #buf = new Uint8Array(256);
  /** The last digest, as 8 signed 32-bit words (big-endian word order, as SHA-256 defines them). */
  readonly out = new Int32Array(8);

  constructor(key: Uint8Array) {
    let k = key;
    if (k.length > 64) k = sha256(k);
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i] ^= k[i];
      opad[i] ^= k[i];
    }
    this.#inner.set(INITIAL);
    compress(this.#inner, ipad, 0);
    this.#outer.set(INITIAL);
    compress(this.#outer, opad, 0);
  }

  /** Copies of the key's inner and outer pad states (SHA-256 states after one block). */
  padStates(): { inner: Int32Array; outer: Int32Array } {
    return { inner: this.#inner.slice(), outer: this.#outer.slice() };
  }

  /** HMAC of a string's UTF-8 bytes; returns {@link out}. */
  digestString(value: string): Int32Array {
    const n = value.length;
    // Fast path: short ASCII goes straight into the message words, one inner block.
    if (n <= 55) {
      W.fill(0, 0, 16);
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        W[i >> 2] |= c << (24 - ((i & 3) << 3));
      }
      if (i === n) {
        W[n >> 2] |= 0x80 << (24 - ((n & 3) << 3));
        W[15] = (n + 64) * 8;
        const h = this.#state;
        h.set(this.#inner);
        compressW(h);
        return this.#outerOf(h);
      }
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit, plus 72 bytes of padding.
    if (this.#buf.length < n * 3 + 72) this.#buf = new Uint8Array(n * 3 + 72);
    const buf = this.#buf;
    let p = 0;
    for (let i = 0; i < n; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) buf[p++] = c;
      else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = value.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          i++;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 63);
          buf[p++] = 0x80 | ((c >> 6) & 63);
          buf[p++] = 0x80 | (c & 63);
        } else {
          buf[p++] = 0xef, buf[p++] = 0xbf, buf[p++] = 0xbd;
        }
      } else if (c >= 0xd800 && c < 0xe000) {
        buf[p++] = 0xef, buf[p++] = 0xbf, buf[p++] = 0xbd;
      } else {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 63);
        buf[p++] = 0x80 | (c & 63);
      }
    }
    return this.#finish(p);
  }

  /**
   * HMAC of `bytes[start..end)`, read in place (a COPY field inside a chunk); returns {@link out}.
   * Values up to 55 bytes go straight into the message words: no copy, one inner block.
   */
  digestRange(bytes: Uint8Array, start: number, end: number): Int32Array {
    const n = end - start;
    if (n > 55) return this.digestBytes(bytes.subarray(start, end));
    const words = n >> 2;
    let j = start;
    for (let i = 0; i < words; i++, j += 4) {
      W[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    // The last partial word carries the 0x80 end marker; the words after it are zero.
    let last = 0x80 << (24 - ((n & 3) << 3));
    for (let i = n & 3, shift = 24; i > 0; i--, shift -= 8) last |= bytes[j++] << shift;
    W[words] = last;
    W.fill(0, words + 1, 15);
    W[15] = (n + 64) * 8;
    const h = this.#state;
    h.set(this.#inner);
    compressW(h);
    return this.#outerOf(h);
  }

  /** HMAC of raw bytes; returns {@link out}. */
  digestBytes(bytes: Uint8Array): Int32Array {
    if (this.#buf.length < bytes.length + 72) this.#buf = new Uint8Array(bytes.length + 72);
    this.#buf.set(bytes);
    return this.#finish(bytes.length);
  }

  // The message sits in #buf[0..len); pad it in place (the inner key block was already absorbed).
  #finish(len: number): Int32Array {
    const buf = this.#buf;
    const h = this.#state;
    h.set(this.#inner);
    const bitLen = (len + 64) * 8;
    buf[len] = 0x80;
    let end = len + 1;
    const zeros = (56 - (end & 63) + 64) & 63;
    buf.fill(0, end, end + zeros);
    end += zeros;
    buf[end++] = 0;
    buf[end++] = 0;
    buf[end++] = 0;
    buf[end++] = Math.floor(bitLen / 0x100000000) & 0xff;
    buf[end++] = (bitLen >>> 24) & 0xff;
    buf[end++] = (bitLen >>> 16) & 0xff;
    buf[end++] = (bitLen >>> 8) & 0xff;
    buf[end++] = bitLen & 0xff;
    for (let off = 0; off < end; off += 64) compress(h, buf, off);
    return this.#outerOf(h);
  }

  // Outer hash: opad state + the 32-byte inner digest `h`, padded to one block, as words.
  #outerOf(h: Int32Array): Int32Array {
    for (let i = 0; i < 8; i++) W[i] = h[i];
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = 768; // (64 + 32) * 8 bits
    const out = this.out;
    out.set(this.#outer);
    compressW(out);
    return out;
  }
}

/** Plain SHA-256 of bytes (used for keys longer than a block). */
export function sha256(data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(((data.length + 8) >> 6) * 64 + 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const bits = data.length * 8;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(padded.length - 4, bits >>> 0);
  const h = new Int32Array(INITIAL);
  for (let off = 0; off < padded.length; off += 64) compress(h, padded, off);
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setInt32(i * 4, h[i]);
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of digest words, `chars` long (at most 64, even counts are fastest). */
export function digestHex(words: Int32Array, chars = 64): string {
  let s = "";
  for (let i = 0; s.length < chars && i < 8; i++) {
    const w = words[i];
    s += HEX[(w >>> 24) & 255] + HEX[(w >>> 16) & 255] + HEX[(w >>> 8) & 255] + HEX[w & 255];
  }
  return s.length === chars ? s : s.slice(0, chars);
}
