import { assert, assertEquals } from "../../tests/_helpers/assert.ts";
import { checksumMatches, migrationChecksum, sha256Hex } from "./checksum.ts";

Deno.test("checksums ignore line endings, BOM and trailing whitespace, but not edits", async () => {
  const lf = "CREATE TABLE t (a int);\nSELECT 1;\n";
  const crlf = "\uFEFFCREATE TABLE t (a int);\r\nSELECT 1;\r\n\r\n  ";
  assertEquals(await migrationChecksum(lf), await migrationChecksum(crlf));
  assert(await migrationChecksum(lf) !== await migrationChecksum(lf.replace("int", "bigint")));
  assertEquals((await migrationChecksum(lf)).length, 64);
});

Deno.test("a raw-bytes SHA-256 (the Python original's) also matches", async () => {
  const text = "ALTER TABLE tb_user ADD COLUMN bio TEXT;\r\n";
  assert(await checksumMatches(await sha256Hex(text), text));
  assert(!(await checksumMatches(await sha256Hex("other"), text)));
});
