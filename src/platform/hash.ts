/**
 * SHA-256 for checksums and lock keys. `node:crypto` rather than WebCrypto: `crypto.subtle.digest`
 * costs one await and tens of microseconds per value, which `migrate up` paid hundreds of times
 * (two files per pending migration) before its first migration ran; this is synchronous and
 * about ten times cheaper per small file.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Lowercase hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
