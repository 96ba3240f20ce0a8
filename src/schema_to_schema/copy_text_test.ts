import { assertEquals } from "../../tests/_helpers/assert.ts";
import { CopyRowTap, decodeCopyRow } from "./copy_text.ts";

const enc = new TextEncoder();

async function tap(chunks: string[]): Promise<{ rows: number; last?: (string | null)[]; passed: string }> {
  const t = new CopyRowTap();
  const source = ReadableStream.from(chunks.map((c) => enc.encode(c)));
  let passed = "";
  for await (const chunk of source.pipeThrough(t)) passed += new TextDecoder().decode(chunk);
  return { rows: t.state.rows, last: t.state.lastLine && decodeCopyRow(t.state.lastLine), passed };
}

Deno.test("CopyRowTap counts rows and keeps the last one, whatever the chunk boundaries", async () => {
  const cases: [string[], number, (string | null)[] | undefined][] = [
    [[], 0, undefined],
    [["1\ta\n"], 1, ["1", "a"]],
    [["1\ta\n2\tb\n3\tc\n"], 3, ["3", "c"]],
    [["1\ta\n2\t", "b\n"], 2, ["2", "b"]],
    [["1\t", "long", "er\n"], 1, ["1", "longer"]],
    [["1\ta\n", "2\tb\n", ""], 2, ["2", "b"]],
    [["7\tx\\ty\\\\z\t\\N\n"], 1, ["7", "x\ty\\z", null]],
  ];
  for (const [chunks, rows, last] of cases) {
    const r = await tap(chunks);
    assertEquals([r.rows, r.last], [rows, last], JSON.stringify(chunks));
    assertEquals(r.passed, chunks.join(""), "bytes pass through unchanged");
  }
});

Deno.test("decodeCopyRow undoes COPY text escapes", () => {
  assertEquals(decodeCopyRow(enc.encode("a\\nb\t\\r\\b\\f\\v\t\\\\N\t\\N")), ["a\nb", "\r\b\f\v", "\\N", null]);
});
