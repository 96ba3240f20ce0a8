import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CopyRowRewriter, rewriteCopyChunk, rewriteCopyRows } from "./copy_rewrite.ts";
import { type FieldRewriter, rewriteCopyLines } from "./copy_text.ts";
import { escapeCopyField } from "../db/copy_text.ts";
import { HmacSha256 } from "./hmac_sha256.ts";
import { compileRule, type MaskedColumn, type Rule, type StrategyName } from "./strategies.ts";

const mac = new HmacSha256(new TextEncoder().encode("rewrite-test-key-0123456789"));
const text: MaskedColumn = { qualified: "public.t.c", type: "text", category: "text", notNull: false, unique: false };

async function rewriter(strategy: StrategyName, options: Record<string, unknown>, column: MaskedColumn) {
  const rule: Rule = { strategy, options, origin: "test" };
  const m = await compileRule(rule, column, mac);
  const f: FieldRewriter = Object.assign((v: string | null) => v === null ? null : m(v), {
    clean: m.clean,
    bytes: m.bytes,
  });
  // The reference: the same rewrite with the string form only.
  const s: FieldRewriter = Object.assign((v: string | null) => v === null ? null : m(v), { clean: m.clean });
  return { f, s };
}

// A small deterministic generator, so a failure reproduces.
let seed = 42;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

const PIECES = ["a", "Z", "7", "@", ".", " ", "-", "é", "漢", "😀", "\t", "\n", "\\", "\r", "x".repeat(60)];

function value(): string | null {
  if (rand(8) === 0) return null;
  let s = "";
  for (let i = rand(12); i > 0; i--) s += PIECES[rand(PIECES.length)];
  return s;
}

function copyText(rows: number, columns: number): string {
  let out = "";
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    for (let c = 0; c < columns; c++) fields.push(escapeCopyField(c === 0 ? String(r) : value()));
    out += fields.join("\t") + "\n";
  }
  return out;
}

async function viaStream(stream: TransformStream<Uint8Array, Uint8Array>, bytes: Uint8Array): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + rand(rand(2) === 0 ? 7 : 300);
    chunks.push(bytes.slice(i, i + n));
    i += n;
  }
  const parts: string[] = [];
  const decoder = new TextDecoder();
  for await (const c of ReadableStream.from(chunks).pipeThrough(stream)) {
    parts.push(decoder.decode(c, { stream: true }));
  }
  return parts.join("");
}

const CASES: [StrategyName, Record<string, unknown>, Partial<MaskedColumn>][] = [
  ["email", {}, {}],
  ["email", { domain: "corp.test" }, { maxLength: 12 }],
  ["email", { domain: "tab\there" }, {}],
  ["name", {}, {}],
  ["name", { part: "first" }, { unique: true }],
  ["name", { part: "last" }, { maxLength: 5 }],
  ["name", {}, { unique: true, maxLength: 20 }],
  ["phone", {}, {}],
  ["phone", {}, { unique: true }],
  ["phone", { format: "(###) ###-#### ext ######" }, { maxLength: 9 }],
  ["phone", { format: "#\t#" }, {}],
  ["hash", {}, {}],
  ["hash", { length: 64, prefix: "h_" }, {}],
  ["hash", { length: 100 }, {}],
  ["hash", { length: 7.5 }, {}],
  ["hash", { length: 0 }, {}],
  ["hash", { prefix: "é" }, {}],
  ["keep", {}, {}],
  ["null", {}, {}],
  ["fixed", { value: "a\tb" }, {}],
  ["fixed", { value: null }, {}],
  ["redact", {}, { maxLength: 4 }],
  ["mask", { keep_first: 1, keep_last: 2 }, {}],
  ["address", {}, {}],
  ["uuid", {}, {}],
];

Deno.test("the byte-level rewrite writes exactly what the string rewrite writes, in any chunking", async () => {
  for (const [strategy, options, column] of CASES) {
    const { f, s } = await rewriter(strategy, options, { ...text, ...column });
    const { f: f2, s: s2 } = await rewriter("email", {}, text);
    const input = copyText(300, 5);
    const bytes = new TextEncoder().encode(input);
    const expected = rewriteCopyLines(input, new Map([[1, s], [3, s2]])).text;
    const label = `${strategy} ${JSON.stringify(options)} ${JSON.stringify(column)}`;
    let rows = 0;
    assertEquals(
      await viaStream(rewriteCopyRows(new Map([[1, f], [3, f2]]), (n) => rows += n), bytes),
      expected,
      label,
    );
    assertEquals(rows, 300, label);
    const chunk = rewriteCopyChunk(new CopyRowRewriter(new Map([[3, f2], [1, f]])), bytes);
    assertEquals(new TextDecoder().decode(chunk.data), expected, label);
    assertEquals(chunk.rows, 300);
  }
});

Deno.test("the common strategies have a byte form; options that need escaping do not", async () => {
  for (const s of ["email", "name", "phone", "hash", "keep", "null", "fixed", "redact"] as const) {
    ok((await compileRule({ strategy: s, options: {}, origin: "t" }, text, mac)).bytes, s);
  }
  const tabbed = await compileRule({ strategy: "phone", options: { format: "#\t#" }, origin: "t" }, text, mac);
  assertEquals(tabbed.bytes, undefined);
});

Deno.test("rewriteCopyRows ends a last line that has no newline, and keeps NULL and escapes", async () => {
  const { f } = await rewriter("email", {}, text);
  const out = await viaStream(
    rewriteCopyRows(new Map([[1, f]]), () => {}),
    new TextEncoder().encode("1\t\\N\tx\n2\ta\\tb"),
  );
  ok(/^1\t\\N\tx\n2\tuser_[0-9a-f]{16}@example\.com\n$/.test(out), out);
});

Deno.test("NULL stays NULL and an empty string stays empty through the COPY rewrite, byte and string forms", async () => {
  const cases: [StrategyName, Record<string, unknown>][] = [
    ["email", {}],
    ["name", {}],
    ["phone", {}],
    ["address", {}],
    ["hash", {}],
    ["mask", {}],
    ["redact", {}],
    ["credit_card", {}],
    ["faker", { method: "person.jobTitle" }],
    ["null", {}],
    ["fixed", { value: "x" }],
    ["keep", {}],
  ];
  const input = new TextEncoder().encode("1\t\\N\n2\t\n");
  for (const [strategy, options] of cases) {
    const { f, s } = await rewriter(strategy, options, text);
    for (const form of [f, s]) {
      const out = await viaStream(rewriteCopyRows(new Map([[1, form]]), () => {}), input);
      assertEquals(out, "1\t\\N\n2\t\n", `${strategy} (${form === f ? "bytes" : "string"})`);
    }
  }
});
