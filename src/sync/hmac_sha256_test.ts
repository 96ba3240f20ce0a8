import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createHmac } from "node:crypto";
import { digestHex, HmacSha256, sha256 } from "./hmac_sha256.ts";

const enc = new TextEncoder();

Deno.test("HmacSha256 matches node:crypto for short, block-sized, long and non-ASCII values and keys", () => {
  const keys = ["k", "secret-key", "x".repeat(64), "y".repeat(100)];
  const values = [
    "",
    "a",
    "alice@example.com",
    "é漢字😀",
    "z".repeat(55),
    "z".repeat(56),
    "z".repeat(64),
    "q".repeat(300),
  ];
  for (const key of keys) {
    const mac = new HmacSha256(enc.encode(key));
    for (const v of values) {
      const expected = createHmac("sha256", key).update(v, "utf8").digest("hex");
      assertEquals(digestHex(mac.digestString(v)), expected, `key=${key.length} value=${JSON.stringify(v)}`);
      assertEquals(digestHex(mac.digestBytes(enc.encode(v))), expected);
    }
  }
});

Deno.test("sha256 matches node:crypto", async () => {
  for (const n of [0, 3, 55, 56, 63, 64, 65, 200]) {
    const data = new Uint8Array(n).map((_, i) => i * 7);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    assertEquals(sha256(data), expected);
  }
});

Deno.test("digestRange hashes a slice in place, the same as digestBytes of a copy", () => {
  const mac = new HmacSha256(enc.encode("range-key"));
  const data = enc.encode("x\t" + "abcdefghij".repeat(8) + "é\n");
  for (let start = 0; start < 6; start++) {
    for (let end = start; end <= data.length; end++) {
      const expected = digestHex(mac.digestBytes(data.slice(start, end)));
      assertEquals(digestHex(mac.digestRange(data, start, end)), expected, `${start}..${end}`);
    }
  }
});
