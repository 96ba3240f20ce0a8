/**
 * The shapes of compiled masks, shared by the string strategies, their byte forms and the
 * COPY text rewriter. Types only, so each of those modules imports them without importing
 * one another. Module-private to `src/sync/`.
 *
 * @module
 */
import type { HmacSha256 } from "./hmac_sha256.ts";

/**
 * Writes the replacement of the escape-free, non-NULL field `src[start..end)` at `out[at..]`
 * and returns where it ends. `out` has room for `end - start + maxBytes` bytes from `at`.
 * A keyed mask (one with `mac`) reads the field's HMAC from `d[o..o+8)`, which the caller
 * computed under `mac`, one at a time or in a batch.
 */
export type ByteMask = ByteWriter & { maxBytes: number; mac?: HmacSha256 };

/** The bare writer of a {@link ByteMask}. */
export type ByteWriter = (
  src: Uint8Array,
  start: number,
  end: number,
  d: Int32Array,
  o: number,
  out: Uint8Array,
  at: number,
) => number;

/** A compiled string mask; `clean` when its output never needs COPY escaping, `bytes` its byte form. */
export type Masker = ((value: string) => string | null) & { clean?: boolean; bytes?: ByteMask };
