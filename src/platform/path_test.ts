import { assertEquals } from "../../tests/_helpers/assert.ts";
import { normalize, relative } from "./path.ts";

// The segment-by-segment definitions the fast paths must agree with.
function slowNormalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.replaceAll("\\", "/").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (seg !== ".." || !abs) out.push(seg);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s || ".";
}

function slowRelative(from: string, to: string): string {
  const a = slowNormalize(from).split("/").filter(Boolean);
  const b = slowNormalize(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/") || ".";
}

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "/a",
  "/a/",
  "/a/b",
  "/a/b/",
  "/a//b",
  "/a/./b",
  "/a/../b",
  "/a/b/..",
  "/a/b/.",
  "/a/.b",
  "/a/..b",
  "/a/b.sql",
  "/ab",
  "/ab/c",
  "a",
  "a/b",
  "./a",
  "../a",
  "a/../..",
  "a\\b",
  "C:/x/y",
  "/work/db/migrations/001_x.up.sql",
  "/work/db",
  "/work",
];

Deno.test("normalize agrees with the segment-by-segment definition", () => {
  for (const p of PATHS) assertEquals(normalize(p), slowNormalize(p), JSON.stringify(p));
});

Deno.test("relative agrees with the segment-by-segment definition, including its fast path", () => {
  for (const from of PATHS) {
    for (const to of PATHS) assertEquals(relative(from, to), slowRelative(from, to), `${from} → ${to}`);
  }
  assertEquals(relative("/work", "/work/db/migrations/001_x.up.sql"), "db/migrations/001_x.up.sql");
  assertEquals(relative("/work/db", "/work/dbx/a"), "../dbx/a");
});
