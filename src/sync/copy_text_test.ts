import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { rewriteCopyLines, wholeLines } from "./copy_text.ts";
import { escapeCopyField, unescapeCopyField } from "../db/copy_text.ts";

Deno.test("COPY text fields round-trip through escape and unescape", () => {
  for (const v of ["plain", "tab\there", "new\nline", "cr\rhere", "back\\slash", "", "é漢字"]) {
    assertEquals(unescapeCopyField(escapeCopyField(v)), v);
  }
  assertEquals(escapeCopyField(null), "\\N");
  assertEquals(unescapeCopyField("\\N"), null);
  assertEquals(unescapeCopyField("\\101\\x42\\b"), "AB\b");
});

Deno.test("rewriteCopyLines rewrites only the chosen columns and keeps NULLs", () => {
  const input = "1\ta@x\tkeep\\tme\tb\n2\t\\N\tz\ty\n3\ttab\\there\t\tlast\n";
  const rewriters = new Map([[1, (v: string | null) => v === null ? null : `<${v}>`], [3, (v: string | null) => v]]);
  const { text, rows } = rewriteCopyLines(input, rewriters);
  assertEquals(rows, 3);
  assertEquals(text, "1\t<a@x>\tkeep\\tme\tb\n2\t\\N\tz\ty\n3\t<tab\\there>\t\tlast\n");
});

Deno.test("wholeLines re-chunks a byte stream on line ends, even inside UTF-8 sequences", async () => {
  const bytes = new TextEncoder().encode("é1\tα\nβ2\tγ\n3\tlast-without-newline");
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.slice(i, i + 3));
  const out: string[] = [];
  const stream = ReadableStream.from(chunks).pipeThrough(wholeLines(4));
  for await (const c of stream) out.push(new TextDecoder().decode(c));
  assertEquals(out.join(""), "é1\tα\nβ2\tγ\n3\tlast-without-newline\n");
  for (const c of out) assertEquals(c.endsWith("\n"), true);
});

Deno.test("rewriteCopyLines escapes rewritten values unless the rewriter promises clean output", () => {
  const dirty = (() => "a\tb") as (v: string | null) => string | null;
  const promised = Object.assign(() => null, { clean: true });
  assertEquals(rewriteCopyLines("1\tx\ty\n", new Map([[1, dirty], [2, promised]])).text, "1\ta\\tb\t\\N\n");
});
