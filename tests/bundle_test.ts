/**
 * Compile safety. `deno compile` cannot fetch its runtime here, so these are the closest checks:
 * the CLI bundled into one file (our code only, npm packages left to the resolver the way the
 * binary embeds them whole) runs `--version`, `migrate up` and `migrate status` on PGlite with
 * exactly the compile task's permissions; `deno compile` with a stand-in base binary lists what
 * it embeds; and the task explains a runtime it cannot download.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { tempProject } from "./_helpers/project.ts";
import { PERMISSIONS } from "../scripts/compile.ts";
import { VERSION } from "../src/version.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("bundle: the bundled CLI runs --version, migrate up and migrate status on PGlite with the compile permissions", async () => {
  await using project = await tempProject({
    "db/environments/local.yaml": "database_url: pglite:./.confiture/local\n",
    "db/migrations/001_create_tb_user.up.sql": "CREATE TABLE tb_user (id bigint PRIMARY KEY, email text NOT NULL);\n",
    "db/migrations/001_create_tb_user.down.sql": "DROP TABLE tb_user;\n",
    "db/migrations/002_add_name.up.sql": "ALTER TABLE tb_user ADD COLUMN name text;\n",
    "db/migrations/002_add_name.down.sql": "ALTER TABLE tb_user DROP COLUMN name;\n",
  });
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as { imports: Record<string, string> };
  const bundle = `${project.dir}/confiture.bundle.js`;
  const built = await run([
    "bundle",
    "--platform",
    "deno",
    // npm packages stay imports: deno compile embeds their whole directories, which is what
    // lets PGlite and libpg-query find their .wasm/.data files beside their JavaScript.
    ...Object.keys(config.imports).map((name) => `--external=${name}`),
    "--output",
    bundle,
    "main.ts",
  ]);
  assertEquals(built.code, 0, built.stderr);
  const source = await Deno.readTextFile(bundle);
  // Everything of ours is inside: no relative import or file URL is left to resolve at run time.
  assertEquals([...source.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]), []);
  assertEquals([...source.matchAll(/new URL\(\s*["']([^"']+)["'],\s*import\.meta\.url\)/g)].map((m) => m[1]), [
    "./mask_worker.ts", // started as a Worker; scripts/compile.ts --include's it
  ]);

  const cli = (...args: string[]) =>
    run(["run", "--config", `${ROOT}deno.json`, ...PERMISSIONS, bundle, ...args], { cwd: project.dir });
  const version = await cli("--version");
  assertEquals(version.code, 0, version.stderr);
  assertEquals(version.stdout, `confiture ${VERSION}\n`);

  const up = await cli("migrate", "up", "--format", "json");
  assertEquals(up.code, 0, up.stderr);
  assertEquals((JSON.parse(up.stdout) as { applied: string[] }).applied, ["001", "002"]);

  const status = await cli("migrate", "status", "--format", "json");
  assertEquals(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout) as { applied: string[]; pending: string[]; summary: { total: number } };
  assertEquals({ applied: s.applied, pending: s.pending, total: s.summary.total }, {
    applied: ["001", "002"],
    pending: [],
    total: 2,
  });
});

Deno.test("version: --version and -V print src/version.ts's VERSION, which deno.json's package version matches", async () => {
  for (const flag of ["--version", "-V"]) {
    const res = await run(["run", "-A", "--quiet", "main.ts", flag]);
    assertEquals([res.code, res.stdout], [0, `confiture ${VERSION}\n`], flag);
  }
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as { version: string };
  assertEquals(config.version, VERSION, "deno.json's version (the published package) is the binaries' version");
});

Deno.test("compile: the binary embeds PGlite, libpg-query and the masking worker; a deno CLI as DENORT_BIN is caught", async () => {
  await using out = await tempProject();
  const res = await run(["run", "-A", "scripts/compile.ts", "--out", out.dir, "--no-check"], {
    env: { DENORT_BIN: Deno.execPath() },
  });
  assertEquals(res.code, 1, res.stderr);
  // The listing deno compile printed is of the real embedding, whatever the base binary.
  for (const embedded of ["@electric-sql/pglite/*", "libpg-query/", "mask_worker.ts", "main.ts"]) {
    assertStringIncludes(res.stderr, embedded);
  }
  assertStringIncludes(res.stderr, `--version printed "deno ${Deno.version.deno}`);
  assertStringIncludes(res.stderr, "DENORT_BIN must point at a denort runtime");
  // The wrong binary is not left where a release would pick it up.
  assertEquals([...Deno.readDirSync(out.dir)].map((e) => e.name), []);
});

Deno.test("compile: a DENORT_BIN that does not exist is named; several targets with one DENORT_BIN are refused", async () => {
  const missing = await run(["run", "-A", "scripts/compile.ts", "--out", "/nonexistent/dist"], {
    env: { DENORT_BIN: "/nonexistent/denort" },
  });
  assertEquals(missing.code, 1);
  assertStringIncludes(missing.stderr, "DENORT_BIN=/nonexistent/denort does not exist");

  const several = await run([
    "run",
    "-A",
    "scripts/compile.ts",
    "--target",
    "x86_64-apple-darwin",
    "--target",
    "aarch64-apple-darwin",
  ], { env: { DENORT_BIN: Deno.execPath() } });
  assertEquals(several.code, 1);
  assertStringIncludes(several.stderr, "one target at a time");
});

// Where the runtime was downloaded before, deno compile would not try the network.
const TARGET = "aarch64-apple-darwin";
const denortCached = await Deno.stat(`${denoDir()}/dl/release/v${Deno.version.deno}/denort-${TARGET}.zip`).then(
  () => true,
  () => false,
);

Deno.test({
  name: "compile: when denort cannot be downloaded the task says how to get one (exit 1, no binary)",
  ignore: denortCached,
  async fn() {
    await using out = await tempProject();
    const res = await run(["run", "-A", "scripts/compile.ts", "--target", TARGET, "--out", out.dir, "--no-check"], {
      // An unreachable proxy stands for a machine without access to dl.deno.land.
      env: { HTTPS_PROXY: "http://127.0.0.1:9", DENORT_BIN: "" },
    });
    assertEquals(res.code, 1, res.stderr);
    assertStringIncludes(res.stderr, `could not download it from dl.deno.land`);
    assertStringIncludes(res.stderr, `denort-${TARGET}.zip`);
    assertStringIncludes(res.stderr, `DENORT_BIN=/path/to/denort deno task compile --target ${TARGET}`);
    assert(!res.stderr.includes("Stack backtrace"), "no Rust backtrace");
    assertEquals([...Deno.readDirSync(out.dir)].filter((e) => e.name.startsWith("confiture-")), []);
  },
});

function denoDir(): string {
  const out = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped", stderr: "null" })
    .outputSync();
  return (JSON.parse(decoder.decode(out.stdout)) as { denoDir: string }).denoDir;
}
