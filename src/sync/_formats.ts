/**
 * Value formats behind the strategies: digits from a digest, masks, date shifts, addresses
 * of the same IP family, Luhn-valid card numbers, UUIDs. Module-private to `src/sync/`.
 *
 * @module
 */
import type { Masker } from "./_mask_types.ts";

/** The list entry a digest word selects. */
export function pick(list: readonly string[], word: number): string {
  return list[(word >>> 0) % list.length];
}

/** Cut to `max` characters (code points). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max).join("");
}

/** Replace each `#` with a digit drawn from the digest (9 digits per 32-bit word). */
export function fillDigits(format: string, d: Int32Array): string {
  let out = "";
  let word = 0;
  let acc = d[0] >>> 0;
  let used = 0;
  let from = 0;
  for (let i = format.indexOf("#"); i >= 0; i = format.indexOf("#", i + 1)) {
    if (used === 9) {
      word = (word + 1) & 7;
      acc = d[word] >>> 0;
      used = 0;
    }
    out += format.slice(from, i) + DIGITS[acc % 10];
    acc = (acc / 10) >>> 0;
    used++;
    from = i + 1;
  }
  return out + format.slice(from);
}

const DIGITS = "0123456789".split("");

/** Keep the first and last characters, mask the rest. */
export function maskChars(keepFirst: number, keepLast: number, char: string): Masker {
  return (v) => {
    const chars = [...v];
    const n = chars.length;
    // Too short to keep anything without revealing it all.
    if (keepFirst + keepLast >= n) return char.repeat(n);
    return chars.slice(0, keepFirst).join("") + char.repeat(n - keepFirst - keepLast) +
      chars.slice(n - keepLast).join("");
  };
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})/;
const DAY_MS = 86_400_000;

/** Move the leading ISO date by 1..days days either way; the time and zone text stay. */
export function shiftDate(days: number, digest: (v: string) => Int32Array): Masker {
  return (v) => {
    const m = DATE.exec(v);
    if (!m) return v === "infinity" || v === "-infinity" ? v : null;
    const n = ((digest(v)[0] >>> 0) % (2 * days)) - days;
    const shift = n >= 0 ? n + 1 : n;
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + shift * DAY_MS);
    const y = String(date.getUTCFullYear()).padStart(4, "0");
    const mo = String(date.getUTCMonth() + 1).padStart(2, "0");
    const dd = String(date.getUTCDate()).padStart(2, "0");
    return `${y}-${mo}-${dd}${v.slice(m[0].length)}`;
  };
}

/** A fake address of the same family, keeping any `/prefix`; host bits are zero for cidr. */
export function maskIp(v: string, d: Int32Array, cidr: boolean): string {
  const slash = v.indexOf("/");
  const suffix = slash >= 0 ? v.slice(slash) : "";
  const bits = slash >= 0 ? Number(v.slice(slash + 1)) : -1;
  if (v.includes(":")) {
    const groups: number[] = [];
    for (let i = 0; i < 8; i++) groups.push((d[i >> 1] >>> (i & 1 ? 0 : 16)) & 0xffff);
    if (cidr && bits >= 0) {
      for (let i = 0; i < 8; i++) {
        const keep = Math.max(0, Math.min(16, bits - i * 16));
        groups[i] &= keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      }
    }
    return groups.map((g) => g.toString(16)).join(":") + suffix;
  }
  let n = d[0] >>> 0;
  if (cidr && bits >= 0) n = bits === 0 ? 0 : (n & (0xffffffff << (32 - bits))) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}${suffix}`;
}

/** A Luhn-valid card number with the input's length and separators; optionally its last digits. */
export function fakeCard(v: string, d: Int32Array, keepLast: number): string {
  const source = v.replace(/\D/g, "");
  const len = source.length >= 12 && source.length <= 19 ? source.length : 16;
  const digits = fillDigits("4" + "#".repeat(len - 1), d).split("").map(Number);
  digits[0] = 4;
  const kept = source.length === len ? Math.min(keepLast, len - 2) : 0;
  for (let i = 0; i < kept; i++) digits[len - kept + i] = Number(source[source.length - kept + i]);
  // Fix the Luhn sum through the check digit, or, when the last digits are kept, the digit before them.
  const fixAt = kept > 0 ? len - kept - 1 : len - 1;
  digits[fixAt] = 0;
  const sum = luhnSum(digits);
  const weightDoubles = (len - 1 - fixAt) % 2 === 1;
  const need = (10 - (sum % 10)) % 10;
  digits[fixAt] = weightDoubles ? [0, 5, 1, 6, 2, 7, 3, 8, 4, 9][need] : need;
  if (source.length !== len) return digits.join("");
  let k = 0;
  return v.replace(/\d/g, () => String(digits[k++]));
}

/** The Luhn sum of a digit array (rightmost digit is the check digit). */
export function luhnSum(digits: readonly number[]): number {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let x = digits[i];
    if (double) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum;
}

/** 32 hex digits as a version-8 UUID. */
export function formatUuid(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}
