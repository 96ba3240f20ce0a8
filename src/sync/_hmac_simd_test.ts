import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHmac } from "node:crypto";
import { HmacBatch } from "./_hmac_simd.ts";
import { digestHex, HmacSha256 } from "./hmac_sha256.ts";

Deno.test("HmacBatch matches node:crypto for every length up to 55 bytes, in any lane", () => {
  const enc = new TextEncoder();
  for (const key of ["k", "bench-key-0123456789abcdef", "y".repeat(100)]) {
    const batch = HmacBatch.create(new HmacSha256(enc.encode(key)));
    ok(batch, "WebAssembly SIMD is available");
    const data = enc.encode("é" + "abcdefghijklmnopqrstuvwxyz0123456789".repeat(3));
    const spans: [number, number][] = [];
    for (let n = 0; n <= 55; n++) spans.push([n % 7, (n % 7) + n]);
    batch.reserve(spans.length);
    spans.forEach(([s, e], i) => batch.put(i, data, s, e));
    batch.run(spans.length);
    spans.forEach(([s, e], i) => {
      const expected = createHmac("sha256", key).update(data.subarray(s, e)).digest("hex");
      assertEquals(digestHex(batch.digests.subarray(i * 8, i * 8 + 8)), expected, `${key} ${s}..${e}`);
    });
  }
});

Deno.test("HmacBatch grows and keeps working across runs", () => {
  const mac = new HmacSha256(new TextEncoder().encode("grow"));
  const batch = HmacBatch.create(mac)!;
  const v = new TextEncoder().encode("value-0123");
  for (const count of [1, 5, 3000, 2]) {
    batch.reserve(count);
    for (let i = 0; i < count; i++) batch.put(i, v, 0, 6 + (i % 5));
    batch.run(count);
    for (let i = 0; i < count; i += 97) {
      assertEquals(batch.digests.subarray(i * 8, i * 8 + 8), mac.digestRange(v, 0, 6 + (i % 5)).slice());
    }
  }
});
