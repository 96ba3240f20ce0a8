/**
 * Checksums of migration files: SHA-256 over normalised text (BOM removed, CRLF → LF, trailing
 * whitespace at end of file ignored), so line-ending changes never count as edits. A raw-bytes
 * SHA-256 (what the Python original stores) is also accepted when verifying.
 *
 * @module
 */

/** Normalise migration text before hashing. */
export function normalizeForChecksum(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/\s+$/, "");
}

/** Lowercase hex SHA-256 of bytes. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The checksum Confiture stores: SHA-256 of the normalised text. */
export function migrationChecksum(text: string): Promise<string> {
  return sha256Hex(normalizeForChecksum(text));
}

/** Whether a stored checksum matches the file: normalised (ours) or raw bytes (Python's). */
export async function checksumMatches(stored: string, text: string, raw?: Uint8Array): Promise<boolean> {
  const s = stored.trim().toLowerCase();
  if (s === await migrationChecksum(text)) return true;
  return s === await sha256Hex(raw ?? new TextEncoder().encode(text));
}
