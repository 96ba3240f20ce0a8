/**
 * The library as another Deno project uses it: through `"links"` to a checkout (the JSR name
 * `@confiture/confiture`), or from a URL with the package's own import map entries, and
 * `deno publish --dry-run` finds nothing to refuse.
 *
 * @module
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { tempProject } from "./_helpers/project.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const CONSUMER = `import { Migrator, VERSION } from "@confiture/confiture";
await using m = await Migrator.fromConfig("pglite:memory");
const s = await m.status();
console.log(JSON.stringify({ version: VERSION, initialized: s.initialized, total: s.summary.total }));
`;

async function run(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: dir, stdout: "piped", stderr: "piped" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: "library: another project imports @confiture/confiture through links, or from a URL with the import map",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const own = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
    await using linked = await tempProject({
      "deno.json": JSON.stringify({
        links: [ROOT],
        imports: { "@confiture/confiture": `jsr:@confiture/confiture@^${own.version}` },
      }),
      "main.ts": CONSUMER,
      "db/migrations/.keep": "",
    });
    const a = await run(linked.dir, ["run", "-A", "main.ts"]);
    assertEquals(a.code, 0, a.stderr);
    assertEquals(JSON.parse(a.stdout), { version: own.version, initialized: false, total: 0 });

    await using byUrl = await tempProject({
      "deno.json": JSON.stringify({
        imports: { ...own.imports, "@confiture/confiture": new URL(`file://${ROOT}/src/mod.ts`).href },
      }),
      "main.ts": CONSUMER,
      "db/migrations/.keep": "",
    });
    const b = await run(byUrl.dir, ["run", "-A", "main.ts"]);
    assertEquals(b.code, 0, b.stderr);
    assertEquals(JSON.parse(b.stdout).version, own.version);
  },
});

Deno.test("library: deno publish --dry-run passes (no slow types, no lib directives, a licence)", async () => {
  const r = await run(ROOT, ["publish", "--dry-run", "--allow-dirty"]);
  assertEquals(r.code, 0, r.stderr + r.stdout);
  assertStringIncludes(r.stderr + r.stdout, "Success");
  assertEquals(/\bwarning\[/.test(r.stderr), false, r.stderr);
});
