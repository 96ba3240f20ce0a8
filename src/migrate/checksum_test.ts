import { assert, assertEquals } from "../../tests/_helpers/assert.ts";
import { checksumMatches, migrationChecksum, sha256Hex } from "./checksum.ts";

Deno.test("checksums ignore line endings, BOM and trailing whitespace, but not edits", () => {
  const lf = "CREATE TABLE t (a int);\nSELECT 1;\n";
  const crlf = "\uFEFFCREATE TABLE t (a int);\r\nSELECT 1;\r\n\r\n  ";
  assertEquals(migrationChecksum(lf), migrationChecksum(crlf));
  assert(migrationChecksum(lf) !== migrationChecksum(lf.replace("int", "bigint")));
  assertEquals(migrationChecksum(lf).length, 64);
});

Deno.test("SHA-256 matches the standard test vector and WebCrypto", async () => {
  assertEquals(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const text = "CREATE TABLE café (a int);\n";
  const web = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  assertEquals(sha256Hex(text), Array.from(web, (b) => b.toString(16).padStart(2, "0")).join(""));
  assertEquals(sha256Hex(new TextEncoder().encode(text)), sha256Hex(text));
});

Deno.test("a raw-bytes SHA-256 (the Python original's) also matches", () => {
  const text = "ALTER TABLE tb_user ADD COLUMN bio TEXT;\r\n";
  assert(checksumMatches(sha256Hex(text), text));
  assert(!checksumMatches(sha256Hex("other"), text));
  // A BOM is dropped from the text but is part of the bytes the Python original hashed.
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
  let readRaw = 0;
  assert(checksumMatches(sha256Hex(bytes), text, () => (readRaw++, bytes)));
  assertEquals(readRaw, 1);
  assert(checksumMatches(migrationChecksum(text), text, () => (readRaw++, bytes)));
  assertEquals(readRaw, 1, "the raw bytes are read only when the normalised checksum does not match");
});
