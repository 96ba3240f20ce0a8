/**
 * Checksums of migration files: SHA-256 over normalised text (BOM removed, CRLF → LF, trailing
 * whitespace at end of file ignored), so line-ending changes never count as edits. A raw-bytes
 * SHA-256 (what the Python original stores) is also accepted when verifying.
 *
 * @module
 */
import { sha256Hex } from "../platform/hash.ts";

export { sha256Hex };

/** Normalise migration text before hashing. */
export function normalizeForChecksum(text: string): string {
  const lf = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  // Trailing whitespace is cut with a slice, which V8 keeps as a view: a regex replace would
  // copy the whole text (10 MB for a data file) to drop its last newline.
  let end = lf.length;
  while (end > 0 && /\s/.test(lf[end - 1])) end--;
  return lf.slice(0, end);
}

/** The checksum Confiture stores: SHA-256 of the normalised text. */
export function migrationChecksum(text: string): string {
  return sha256Hex(normalizeForChecksum(text));
}

/**
 * Whether a stored checksum matches the file: normalised (ours) or raw bytes (Python's).
 * `raw` gives the file's bytes when they may differ from the text's UTF-8 (a BOM, invalid
 * sequences); it is called only when the normalised checksum does not match.
 */
export function checksumMatches(stored: string, text: string, raw?: () => Uint8Array): boolean {
  const s = stored.trim().toLowerCase();
  if (s === migrationChecksum(text)) return true;
  return s === sha256Hex(raw ? raw() : text);
}
