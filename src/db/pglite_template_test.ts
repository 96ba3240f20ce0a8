import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { PGLITE_VERSION } from "./pglite_template.ts";

const NAME = `pglite-${PGLITE_VERSION}-fresh.tar.gz`;

Deno.test("PGLITE_VERSION is the version deno.json pins (the template's cache key)", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(config.imports["@electric-sql/pglite"], `npm:@electric-sql/pglite@${PGLITE_VERSION}`);
});

/** Run `code` in a fresh process (fresh module state) with the cache in `dir`; its stdout. */
async function inProcess(dir: string, code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: new URL("../..", import.meta.url).pathname,
    env: { CONFITURE_CACHE_DIR: dir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  return new TextDecoder().decode(out.stdout).trim();
}

const OPEN = `import { openPglite } from "./src/db/pglite.ts";`;

Deno.test("in-memory databases start from the kept fresh cluster, each one fresh, extensions loaded as asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "confiture_cache_" });
  try {
    // The first database of the machine runs initdb and keeps the cluster before anyone writes to it.
    const first = await inProcess(
      dir,
      `${OPEN}
       const a = await openPglite({ kind: "pglite" });
       await a.exec("CREATE TABLE left_behind (id int)");
       const b = await openPglite({ kind: "pglite" }, { extensions: ["citext"] });
       await b.exec("CREATE EXTENSION citext");
       const [r] = await b.query("SELECT 'A'::citext = 'a' AS eq, to_regclass('left_behind') IS NULL AS fresh");
       console.log(JSON.stringify(r));
       await a.close(); await b.close();`,
    );
    assertEquals(JSON.parse(first), { eq: true, fresh: true });
    const kept = await Deno.readFile(`${dir}/${NAME}`);
    assertEquals([kept[0], kept[1]], [0x1f, 0x8b], "a gzip tarball");
    // Another process starts from it.
    const second = await inProcess(
      dir,
      `${OPEN}
       const t = performance.now();
       const c = await openPglite({ kind: "pglite" });
       const [r] = await c.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'left_behind'");
       console.log(JSON.stringify(r));
       await c.close();`,
    );
    assertEquals(JSON.parse(second), { n: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable kept cluster is dropped: the database is made by initdb and a good copy kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "confiture_cache_" });
  try {
    await Deno.writeFile(`${dir}/${NAME}`, new TextEncoder().encode("not a tarball"));
    const out = await inProcess(
      dir,
      `${OPEN}
       const d = await openPglite({ kind: "pglite" });
       const [r] = await d.query("SELECT 41 + 1 AS n");
       console.log(JSON.stringify(r));
       await d.close();`,
    );
    assertEquals(JSON.parse(out), { n: 42 });
    const kept = await Deno.readFile(`${dir}/${NAME}`);
    ok(kept.length > 1000 && kept[0] === 0x1f && kept[1] === 0x8b, "replaced by a real cluster");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
