/**
 * Credential redaction for every string that can reach a terminal or a file.
 *
 * @module
 */
import { redactUrl } from "./db/url.ts";

/** Remove passwords: URL passwords, `password=` pairs, and each known secret verbatim. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = redactUrl(text);
  for (const s of secrets) {
    if (s.length >= 1) out = out.replaceAll(s, "***");
  }
  return out;
}
