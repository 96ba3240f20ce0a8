// deno-lint-ignore-file no-console
/**
 * `deno task compile`: standalone `confiture` executables for every release target, in `dist/`,
 * with a `SHA256SUMS` file beside them.
 *
 * ```sh
 * deno task compile                                   # all five targets (downloads denort per target)
 * deno task compile --target x86_64-unknown-linux-gnu # one target
 * DENORT_BIN=/opt/denort deno task compile            # offline: the host target, from a local denort
 * ```
 *
 * `deno compile` glues the program onto a runtime binary (`denort`) that it downloads from
 * dl.deno.land on first use. Where that is impossible, `DENORT_BIN` names a denort already on
 * disk; a denort serves one platform, so with it only one target is built. When neither works
 * the task says so, and how to get a denort, instead of printing a network stack trace.
 *
 * @module
 */
import { VERSION } from "../src/version.ts";

/** The release targets, named as `deno compile --target` spells them. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** A release target. */
export type Target = typeof TARGETS[number];

/**
 * The permissions the executable runs with, declared once here. Files (project, PGlite data
 * directories), the network (PostgreSQL), environment variables (CONFITURE_*, PG*, NO_COLOR)
 * and `sys` because postgres.js asks the OS for the user name when a URL has none.
 */
export const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net", "--allow-env", "--allow-sys"] as const;

/**
 * V8 flags baked into the executable (`deno compile --v8-flags`), measured in docs/benchmarks.md.
 * - `--max-semi-space-size=4`: a small young generation keeps peak memory flat on multi-million-row
 *   syncs; without it V8 grows the young generation (and the resident set) under the driver's
 *   per-row garbage (Sync).
 * - `--liftoff-only`: WebAssembly (the SQL parser, PGlite) runs on V8's baseline compiler only.
 *   Its optimising compiler spent ~0.6 s of CPU on two threads recompiling the parser's two
 *   largest functions after every parse, while the migrations ran, taking a core from the server
 *   on small hosts; and as much on PGlite's functions in every embedded command. Measured: the
 *   120-migration chain 1,351 → 1,150 ms, verify-reversible on PGlite 2.8 → 2.3 s, a PGlite
 *   `migrate up` of that chain 9.1–9.4 → 6.8–7.7 s. The price: long data-bound work inside PGlite
 *   (a 300,000-row `INSERT … SELECT`: 2.6–3.7 → 5.2 s) and sync's SIMD HMAC (masked sync 248k →
 *   235k rows/s at 1M) run slower (Real-shaped chains, Sync).
 */
export const V8_FLAGS = ["--max-semi-space-size=4", "--liftoff-only"] as const;

/**
 * Files outside the static module graph that the binary needs: the masking worker is started
 * with `new Worker(new URL(...))`, which `deno compile` cannot follow. npm packages are embedded
 * whole (PGlite's .wasm/.data and libpg-query's .wasm included), so they need no flag.
 */
export const INCLUDES = ["src/sync/mask_worker.ts"] as const;

/** The executable's file name for a target. */
export function binaryName(target: Target): string {
  return `confiture-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The `deno compile` arguments for one target. */
export function compileArgs(target: Target, output: string, options: { check?: boolean } = {}): string[] {
  return [
    "compile",
    ...PERMISSIONS,
    `--v8-flags=${V8_FLAGS.join(",")}`,
    ...INCLUDES.flatMap((f) => ["--include", f]),
    ...(options.check === false ? ["--no-check"] : []),
    "--target",
    target,
    "--output",
    output,
    "main.ts",
  ];
}

/** Why a `deno compile` failure happened, in words a release engineer can act on. */
export function explainFailure(stderr: string, target: Target, denortBin: string | undefined): string | undefined {
  if (denortBin !== undefined) {
    if (/denort|base binary|No such file|not found/i.test(stderr)) {
      return `deno compile could not use DENORT_BIN=${denortBin} as the runtime for ${target}.\n` +
        `Point DENORT_BIN at the \`denort\` executable unzipped from denort-${target}.zip (Deno ${Deno.version.deno}).`;
    }
    return undefined;
  }
  if (/dl\.deno\.land|denort|base binary|error sending request|dns error/i.test(stderr)) {
    return [
      `deno compile needs its runtime for ${target} (denort) and could not download it from dl.deno.land.`,
      "Either:",
      "  - allow this machine to reach https://dl.deno.land, or",
      `  - download https://dl.deno.land/release/v${Deno.version.deno}/denort-${target}.zip elsewhere, unzip it,`,
      "    and run `DENORT_BIN=/path/to/denort deno task compile --target " + target + "`, or",
      "  - let the release workflow (.github/workflows/release.yml) build the binaries on a tag.",
    ].join("\n");
  }
  return undefined;
}

interface Flags {
  targets: Target[];
  out: string;
  check: boolean;
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = { targets: [], out: "dist", check: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === "--target" || a.startsWith("--target=")) {
      const t = value();
      if (!(TARGETS as readonly string[]).includes(t)) fail(`Unknown target "${t}"; one of: ${TARGETS.join(", ")}`);
      flags.targets.push(t as Target);
    } else if (a === "--out" || a.startsWith("--out=")) flags.out = value();
    else if (a === "--no-check") flags.check = false;
    else fail(`Unknown argument "${a}"; usage: deno task compile [--target T]... [--out DIR] [--no-check]`);
  }
  return flags;
}

function fail(message: string, code = 2): never {
  console.error(`error: ${message}`);
  Deno.exit(code);
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// A binary built for this machine must answer --version as Confiture (anything else means the
// base binary was wrong, e.g. DENORT_BIN pointing at the deno CLI, which ignores the payload), and
// open an embedded PGlite database, which proves PGlite's .wasm/.data resolve inside the binary.
async function smokeTest(path: string): Promise<string | undefined> {
  const run = (args: string[], cwd?: string) =>
    new Deno.Command(path, { args, cwd, env: { NO_COLOR: "1" }, stdout: "piped", stderr: "piped" }).output();
  const version = await run(["--version"]);
  const text = new TextDecoder().decode(version.stdout).trim();
  if (version.code !== 0 || text !== `confiture ${VERSION}`) {
    return `${path} --version printed ${
      JSON.stringify(text.split("\n")[0])
    } (exit ${version.code}), not "confiture ${VERSION}".` +
      (Deno.env.get("DENORT_BIN")
        ? "\nDENORT_BIN must point at a denort runtime (from denort-<target>.zip), not at the deno CLI."
        : "");
  }
  const empty = await Deno.makeTempDir({ prefix: "confiture_smoke_" });
  try {
    // Exit 2: the (empty) embedded database has no tracking table yet.
    const status = await run(["migrate", "status", "--database-url", "pglite:memory", "--format", "json"], empty);
    const out = new TextDecoder().decode(status.stdout);
    if (status.code !== 2 || !out.includes('"tracking_table"')) {
      return `${path} could not open an embedded PGlite database (exit ${status.code}):\n${out}${
        new TextDecoder().decode(status.stderr)
      }`;
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  return undefined;
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args);
  const denortBin = Deno.env.get("DENORT_BIN") || undefined;
  if (denortBin === undefined) Deno.env.delete("DENORT_BIN"); // an empty value would reach deno compile as a path
  const host = Deno.build.target as Target;
  if (denortBin !== undefined) {
    try {
      if (!(await Deno.stat(denortBin)).isFile) fail(`DENORT_BIN=${denortBin} is not a file`, 1);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) fail(`DENORT_BIN=${denortBin} does not exist`, 1);
      throw e;
    }
    if (flags.targets.length > 1) {
      fail(`DENORT_BIN names one runtime, so it can build one target at a time, not ${flags.targets.length}`, 1);
    }
    if (flags.targets.length === 0) {
      if (!(TARGETS as readonly string[]).includes(host)) fail(`This machine (${host}) is not a release target`, 1);
      flags.targets.push(host);
      console.error(`DENORT_BIN is set: building the host target ${host} only.`);
    }
  }
  const targets = flags.targets.length > 0 ? flags.targets : [...TARGETS];
  await Deno.mkdir(flags.out, { recursive: true });

  const built: string[] = [];
  for (const target of targets) {
    const output = `${flags.out}/${binaryName(target)}`;
    console.error(`Compiling ${output}…`);
    const result = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, output, { check: flags.check }),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    // Rust's backtrace after the cause chain tells a release engineer nothing.
    const stderr = new TextDecoder().decode(result.stderr).replace(/\n\s*Stack backtrace:[\s\S]*$/, "");
    if (result.code !== 0) {
      console.error(stderr.trimEnd());
      console.error(`\nerror: could not compile ${output}.`);
      const why = explainFailure(stderr, target, denortBin);
      if (why) console.error(why);
      return 1;
    }
    if (target === host) {
      const problem = await smokeTest(output);
      if (problem) {
        console.error(stderr.trimEnd()); // what deno compile embedded, for the diagnosis
        console.error(`error: ${problem}`);
        await Deno.remove(output); // never leave a binary that is not Confiture where a release would pick it up
        return 1;
      }
    }
    built.push(output);
  }

  const sums = await Promise.all(built.map(async (f) => `${await sha256(f)}  ${f.slice(f.lastIndexOf("/") + 1)}`));
  await Deno.writeTextFile(`${flags.out}/SHA256SUMS`, sums.join("\n") + "\n");
  for (const line of sums) console.log(line);
  console.error(`Built ${built.length} executable(s) in ${flags.out}/ (checksums in ${flags.out}/SHA256SUMS).`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
