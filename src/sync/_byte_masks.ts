/**
 * Byte forms of the common strategies, used on COPY fields without escapes: they hash the
 * field's bytes in place and write ASCII straight into the output chunk, so a masked row
 * makes no strings. Each gives exactly the bytes its string form gives (tested side by side).
 * Module-private to `src/sync/`.
 *
 * @module
 */
import { escapeCopyField } from "../db/copy_text.ts";
import type { HmacSha256 } from "./hmac_sha256.ts";
import type { MaskedColumn, Rule } from "./rule.ts";
import type { ByteMask, ByteWriter } from "./_mask_types.ts";
import { FIRST_NAMES, LAST_NAMES } from "./_words.ts";
import { truncate } from "./_formats.ts";

const HEX = new TextEncoder().encode("0123456789abcdef");
const ASCII_CLEAN = /^[\x20-\x5b\x5d-\x7e]*$/; // printable ASCII without backslash
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const FIRST = FIRST_NAMES.map(ascii);
const LAST = LAST_NAMES.map(ascii);
const NAME_BYTES = Math.max(...FIRST.map((f) => f.length)) + 1 + Math.max(...LAST.map((l) => l.length));

/** `chars` lower-case hex digits of the digest words from `word` on, at `out[at..]`. */
function writeHex(d: Int32Array, word: number, chars: number, out: Uint8Array, at: number): number {
  for (let k = 0; k < chars; k++) out[at + k] = HEX[(d[word + (k >> 3)] >>> (28 - ((k & 7) << 2))) & 15];
  return at + chars;
}

function put(bytes: Uint8Array, out: Uint8Array, at: number): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i];
  return at + bytes.length;
}

function mask(maxBytes: number, fn: ByteWriter, mac?: HmacSha256): ByteMask {
  return Object.assign(fn, { maxBytes, mac });
}

/**
 * The byte form of a rule on a column, or undefined when the strategy or its options have
 * none (the string form then handles the column). Outputs are ASCII, so cutting to the
 * column's length counts bytes.
 */
export function compileByteMask(rule: Rule, column: MaskedColumn, mac: HmacSha256 | undefined): ByteMask | undefined {
  const o = rule.options;
  const max = column.maxLength ?? Infinity;
  const fit = (from: number, end: number) => Math.min(end, from + max);
  switch (rule.strategy) {
    case "keep":
      return mask(0, (src, start, end, _d, _o, out, at) => {
        for (let i = start; i < end; i++) out[at++] = src[i];
        return at;
      });
    case "null":
      return mask(2, (_s, _b, _e, _d, _o, out, at) => put(NULL_BYTES, out, at));
    case "fixed":
    case "redact": {
      const text = rule.strategy === "fixed"
        ? (o.value === null || o.value === undefined ? null : String(o.value))
        : column.maxLength === undefined
        ? String(o.text ?? "[REDACTED]")
        : truncate(String(o.text ?? "[REDACTED]"), column.maxLength);
      const bytes = new TextEncoder().encode(escapeCopyField(text));
      return mask(bytes.length, (_s, _b, _e, _d, _o, out, at) => put(bytes, out, at));
    }
  }
  if (!mac) return undefined;
  switch (rule.strategy) {
    case "email": {
      const domain = String(o.domain ?? "example.com");
      if (!ASCII_CLEAN.test(domain)) return undefined;
      const tail = ascii(`@${domain}`);
      return mask(21 + tail.length, (_s, _b, _e, d, o, out, at) => {
        const p = writeHex(d, o, 16, out, put(USER, out, at));
        return fit(at, put(tail, out, p));
      }, mac);
    }
    case "name": {
      const part = String(o.part ?? "full");
      const unique = column.unique;
      return mask(NAME_BYTES + 13, (_s, _b, _e, d, o, out, at) => {
        const first = FIRST[(d[o] >>> 0) % FIRST.length];
        const last = LAST[(d[o + 1] >>> 0) % LAST.length];
        let p = at;
        if (part === "first") p = put(first, out, p);
        else if (part === "last") p = put(last, out, p);
        else {
          p = put(first, out, p);
          out[p++] = 32;
          p = put(last, out, p);
        }
        if (unique) {
          out[p++] = 32;
          p = writeHex(d, o + 2, 12, out, p);
        }
        return fit(at, p);
      }, mac);
    }
    case "phone": {
      const format = String(o.format ?? (column.unique ? "+1 ### ### #### ####" : "+1-555-###-####"));
      if (!ASCII_CLEAN.test(format)) return undefined;
      const template = ascii(format);
      return mask(template.length, (_s, _b, _e, d, o, out, at) => {
        // As fillDigits: nine digits per 32-bit word, least significant first.
        let word = 0;
        let acc = d[o] >>> 0;
        let used = 0;
        for (let i = 0; i < template.length; i++) {
          const c = template[i];
          if (c !== 35) {
            out[at + i] = c;
            continue;
          }
          if (used === 9) {
            word = (word + 1) & 7;
            acc = d[o + word] >>> 0;
            used = 0;
          }
          out[at + i] = 48 + (acc % 10);
          acc = (acc / 10) >>> 0;
          used++;
        }
        return fit(at, at + template.length);
      }, mac);
    }
    case "hash": {
      const prefix = String(o.prefix ?? "");
      const length = Number(o.length ?? 32);
      if (!ASCII_CLEAN.test(prefix)) return undefined;
      // digestHex's own bounds: at most 64 digits, none for NaN or below 1.
      const chars = Number.isNaN(length) ? 0 : Math.max(0, Math.min(64, Math.trunc(length)));
      const head = ascii(prefix);
      return mask(head.length + chars, (_s, _b, _e, d, o, out, at) => {
        return fit(at, writeHex(d, o, chars, out, put(head, out, at)));
      }, mac);
    }
  }
  return undefined;
}

const USER = ascii("user_");
const NULL_BYTES = ascii("\\N");
