// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * Memory benchmark: peak RSS and time of `migrate up` for large migration files, against psql
 * applying the same file in one transaction (`psql -1 -f`). Two shapes: a data file of many
 * small INSERTs (`MEMORY_INSERTS`, default 200,000) and one single INSERT … VALUES statement
 * of `MEMORY_ROWS` rows (default 350,000). Peak RSS comes from GNU time (`/usr/bin/time -f %M`).
 * The target: peak ≤ 10× the file plus a fixed base: `migrate up` of a one-row file, which loads
 * the parser as the big file does (an empty file never loads it, ~35 MB less).
 *
 * Run: `deno task bench memory`
 */
import { ADMIN_URL, createDb, dbUrl, dropDb } from "./_util.ts";
import { V8_FLAGS } from "../compile.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
// Confiture as shipped: the release binaries, `deno install` and `deno task confiture` carry
// these V8 flags (scripts/compile.ts). MEMORY_V8_FLAGS replaces them, for comparisons.
const V8 = `--v8-flags=${Deno.env.get("MEMORY_V8_FLAGS") ?? V8_FLAGS.join(",")}`;

async function measured(cmd: string[], cwd: string): Promise<{ seconds: number; peakMb: number }> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "TIME %e %M", ...cmd],
    cwd,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  const m = /TIME ([\d.]+) (\d+)/.exec(text);
  if (!out.success || !m) throw new Error(`${cmd.join(" ")} failed: ${text}`);
  return { seconds: Number(m[1]), peakMb: Math.round(Number(m[2]) / 1024) };
}

async function caseOf(label: string, body: string, small: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_mem_" });
  try {
    await Deno.mkdir(`${dir}/db/migrations`, { recursive: true });
    await Deno.mkdir(`${dir}/db/environments`, { recursive: true });
    await Deno.writeTextFile(`${dir}/db/migrations/001_t.up.sql`, "CREATE TABLE t (id int, v text);\n");
    await Deno.writeTextFile(`${dir}/db/migrations/002_big.up.sql`, body);
    const fileMb = Math.round(body.length / 1e5) / 10;
    const base = await createDb("bmem");
    const mine = await createDb("bmem");
    const floor = await createDb("bmem");
    try {
      await Deno.writeTextFile(`${dir}/db/environments/local.yaml`, `database_url: ${dbUrl(base)}\n`);
      // The base applies a small file of the same shape (~100 kB): the same run, with the parser
      // loaded and hot (V8 compiles its WebAssembly again, optimised, once it is), minus the file.
      await Deno.rename(`${dir}/db/migrations/002_big.up.sql`, `${dir}/002_big.up.sql`);
      await Deno.writeTextFile(`${dir}/db/migrations/002_big.up.sql`, small);
      const empty = await measured([Deno.execPath(), "run", "-A", "--quiet", V8, MAIN, "migrate", "up"], dir);
      await Deno.rename(`${dir}/002_big.up.sql`, `${dir}/db/migrations/002_big.up.sql`);
      await Deno.writeTextFile(`${dir}/db/environments/local.yaml`, `database_url: ${dbUrl(mine)}\n`);
      const c = await measured([Deno.execPath(), "run", "-A", "--quiet", V8, MAIN, "migrate", "up"], dir);
      const p = await measured([
        "psql",
        dbUrl(floor),
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-1",
        "-f",
        `${dir}/db/migrations/001_t.up.sql`,
        "-f",
        `${dir}/db/migrations/002_big.up.sql`,
      ], dir);
      const target = Math.round(empty.peakMb + 10 * (body.length - small.length) / 1e6);
      return `| ${label} | ${fileMb} MB | ${empty.peakMb} MB | ${c.peakMb} MB | ${target} MB | ${
        c.peakMb <= target ? "met" : "**not met**"
      } | ${c.seconds} s | ${p.seconds} s / ${p.peakMb} MB |`;
    } finally {
      for (const db of [base, mine, floor]) await dropDb(db);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export async function main(): Promise<void> {
  const inserts = Number(Deno.env.get("MEMORY_INSERTS") ?? 200_000);
  const rows = Number(Deno.env.get("MEMORY_ROWS") ?? 350_000);
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => `INSERT INTO t VALUES (${i}, 'value number ${i}');`).join("\n") + "\n";
  const single = (n: number) =>
    "INSERT INTO t VALUES\n" +
    Array.from({ length: n }, (_, i) => `(${i}, 'v${String(i).padStart(10, "0")}xxxxxxxxxxxx')`).join(",\n") +
    ";\n";
  console.log(`Server: ${ADMIN_URL}; confiture runs with ${V8}`);
  console.log(
    "| file | size | base (100 kB file) | confiture peak RSS | target (base + 10× the rest) | | confiture time | psql time / peak |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  console.log(await caseOf(`${inserts} INSERTs`, many(inserts), many(2_000)));
  console.log(await caseOf(`one INSERT of ${rows} rows`, single(rows), single(2_700)));
}

if (import.meta.main) await main();
