/**
 * Shared helpers for benchmarks: temporary server databases, timing, psql.
 *
 * @module
 */
import { V8_FLAGS } from "../compile.ts";

/** The admin URL benchmarks use (the local server by default). */
export const ADMIN_URL = Deno.env.get("CONFITURE_BENCH_DATABASE_URL") ?? "postgres://root@127.0.0.1:5432/postgres";

/** Run psql against `url` with extra args; throws on failure. */
export async function psql(url: string, args: string[], stdin?: string): Promise<string> {
  const cmd = new Deno.Command("psql", {
    args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", url, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (out.code !== 0) throw new Error(`psql failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** URL of database `name` on the benchmark server. */
export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Create a fresh database; returns its name. */
export async function createDb(prefix: string): Promise<string> {
  const name = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  await psql(ADMIN_URL, ["-c", `CREATE DATABASE ${name}`]);
  return name;
}

/** Drop a benchmark database. */
export async function dropDb(name: string): Promise<void> {
  await psql(ADMIN_URL, ["-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

/** Time an async function in milliseconds. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median of numbers (the upper middle one for an even count: always a measured value). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The V8 flags the CLI runs with in benchmarks: those the release binaries carry
 * (scripts/compile.ts `V8_FLAGS`), or `BENCH_V8_FLAGS` for a comparison ("" for none).
 */
export const CLI_V8_FLAGS: string = Deno.env.get("BENCH_V8_FLAGS") ?? V8_FLAGS.join(",");

/**
 * Run a Deno script (`deno run -A script …`, with CLI_V8_FLAGS); throws on a non-zero exit
 * unless allowed. `name` is how the error names the script.
 */
export async function denoRun(
  script: string,
  args: string[],
  options: { cwd?: string; allow?: number[]; name?: string } = {},
): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...(CLI_V8_FLAGS ? [`--v8-flags=${CLI_V8_FLAGS}`] : []), script, ...args],
    cwd: options.cwd,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (out.code !== 0 && !(options.allow ?? []).includes(out.code)) {
    const name = options.name ?? script;
    throw new Error(`${name} ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.code;
}

/** Run the CLI (`deno run -A main.ts …`, with CLI_V8_FLAGS); throws on a non-zero exit unless allowed. */
export function cli(args: string[], options: { cwd?: string; allow?: number[] } = {}): Promise<number> {
  return denoRun(new URL("../../main.ts", import.meta.url).pathname, args, { ...options, name: "confiture" });
}
