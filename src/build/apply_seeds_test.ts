import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { splitCopyBlocks } from "./apply_seeds.ts";

Deno.test("splitCopyBlocks: SQL around COPY … FROM stdin blocks, data up to \\.", () => {
  const text = "INSERT INTO a VALUES (1);\nCOPY t (x, y) FROM stdin;\n1\tone\n2\t'two\n\\.\nSELECT 2;\n";
  assertEquals(splitCopyBlocks(text), [
    { kind: "sql", text: "INSERT INTO a VALUES (1);\n", offset: 0 },
    { kind: "copy", statement: "COPY t (x, y) FROM stdin", data: "1\tone\n2\t'two\n", offset: 26, dataOffset: 52 },
    { kind: "sql", text: "SELECT 2;\n", offset: 68 },
  ]);
});

Deno.test("splitCopyBlocks: no COPY is one SQL part; COPY without \\. runs to the end; COPY TO is plain SQL", () => {
  assertEquals(splitCopyBlocks("SELECT 1;"), [{ kind: "sql", text: "SELECT 1;", offset: 0 }]);
  assertEquals(splitCopyBlocks("COPY t FROM STDIN;\n1\n2\n").map((p) => p.kind === "copy" ? p.data : p.text), [
    "1\n2\n",
  ]);
  assertEquals(splitCopyBlocks("COPY t TO STDOUT;").map((p) => p.kind), ["sql"]);
  assertEquals(splitCopyBlocks(""), []);
});
