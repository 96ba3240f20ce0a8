// deno-lint-ignore-file no-console -- a bench script reports on the terminal
/**
 * Build benchmark: 1,000 generated DDL files (tables, indexes, views, functions).
 *
 * 1. Time to build the file (discover, read, check, concatenate, hash, write), in process.
 * 2. Applying it: `build --apply` (library call, and the CLI end to end) against the floor of
 *    `psql -1 -f` on the same built file, each into a fresh server database, in the same run.
 *
 * `deno task bench build` (env: CONFITURE_BENCH_DATABASE_URL, default
 * postgres://root@127.0.0.1:5432/postgres; BUILD_FILES, default 1000; BUILD_REPEAT, default 7).
 */
import { applySchemaBuild } from "../../src/build/apply.ts";
import { buildSchema, writeSchemaBuild } from "../../src/build/build.ts";
import { loadEnvironment } from "../../src/config/load.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl, type ServerTarget } from "../../src/db/url.ts";
import { median, time as timeIt } from "./_util.ts";

const ADMIN_URL = Deno.env.get("CONFITURE_BENCH_DATABASE_URL") ?? "postgres://root@127.0.0.1:5432/postgres";
const FILES = Number(Deno.env.get("BUILD_FILES") ?? 1000);
const REPEAT = Number(Deno.env.get("BUILD_REPEAT") ?? 7);
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function target(url: string): ServerTarget {
  return parseDatabaseUrl(url, (n) => Deno.env.get(n)) as ServerTarget;
}

/** Write FILES files: 40% tables, 25% indexes, 20% views, 15% functions, in numbered folders. */
async function generateProject(dir: string): Promise<void> {
  const tables = Math.round(FILES * 0.4);
  const indexes = Math.round(FILES * 0.25);
  const views = Math.round(FILES * 0.2);
  const functions = FILES - tables - indexes - views;
  const pad = (n: number) => String(n).padStart(4, "0");
  const files: [string, string][] = [];
  for (let i = 1; i <= tables; i++) {
    const fk = i > 1 ? `,\n    fk_parent BIGINT REFERENCES tb_${pad(i - 1)} (pk_${pad(i - 1)})` : "";
    files.push([
      `db/schema/10_tables/${i}_tb_${pad(i)}.sql`,
      `-- Table ${i}\nCREATE TABLE tb_${pad(i)} (\n    pk_${
        pad(i)
      } BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n` +
      `    id UUID NOT NULL DEFAULT gen_random_uuid() UNIQUE,\n    name TEXT NOT NULL,\n` +
      `    amount NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),\n    tags TEXT[] NOT NULL DEFAULT '{}',\n` +
      `    created_at TIMESTAMPTZ NOT NULL DEFAULT now()${fk}\n);\n` +
      `COMMENT ON TABLE tb_${pad(i)} IS 'generated table ${i}';\n`,
    ]);
  }
  for (let i = 1; i <= indexes; i++) {
    const t = pad(((i - 1) % tables) + 1);
    const cols = i % 2 === 0 ? "(name, created_at DESC)" : "(lower(name)) WHERE amount > 0";
    files.push([`db/schema/20_indexes/${i}_idx_${pad(i)}.sql`, `CREATE INDEX idx_${pad(i)} ON tb_${t} ${cols};\n`]);
  }
  for (let i = 1; i <= views; i++) {
    const t = pad(((i - 1) % tables) + 1);
    files.push([
      `db/schema/30_views/${i}_v_${pad(i)}.sql`,
      `CREATE VIEW v_${
        pad(i)
      } AS\nSELECT t.id,\n       jsonb_build_object('id', t.id::text, 'name', t.name, 'amount', t.amount,\n` +
      `                          'tags', to_jsonb(t.tags)) AS data\n  FROM tb_${t} t\n WHERE t.created_at > now() - interval '1 year';\n`,
    ]);
  }
  for (let i = 1; i <= functions; i++) {
    const t = pad(((i - 1) % tables) + 1);
    files.push([
      `db/schema/40_functions/${i}_fn_${pad(i)}.sql`,
      `CREATE FUNCTION fn_total_${pad(i)}(p_min NUMERIC DEFAULT 0)\nRETURNS NUMERIC\nLANGUAGE plpgsql STABLE AS $$\n` +
      `DECLARE\n    v_total NUMERIC;\nBEGIN\n    SELECT coalesce(sum(amount), 0) INTO v_total FROM tb_${t} WHERE amount >= p_min;\n` +
      `    RETURN v_total;\nEND;\n$$;\n`,
    ]);
  }
  for (const [path, content] of files) {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, content);
  }
}

async function admin(sql: string): Promise<void> {
  const db = await openDatabase(target(ADMIN_URL), { max: 1 });
  try {
    await db.exec(sql);
  } finally {
    await db.close();
  }
}

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** Run the benchmark and print the figures for docs/benchmarks.md. */
export async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_bench_build_" });
  const prefix = `confiture_bench_build_${crypto.randomUUID().slice(0, 8)}`;
  const created: string[] = [];
  try {
    await generateProject(dir);
    await Deno.mkdir(`${dir}/db/environments`, { recursive: true });
    await Deno.writeTextFile(`${dir}/db/environments/bench.yaml`, `name: bench\ndatabase_url: ${urlFor("postgres")}\n`);
    const env = await loadEnvironment({ projectDir: dir, env: "bench" });
    const output = `${dir}/db/generated/schema_bench.sql`;

    // 1. Build the file.
    const buildMs: number[] = [];
    let build = await buildSchema(env);
    for (let i = 0; i < REPEAT; i++) {
      buildMs.push(
        await timeIt(async () => {
          build = await buildSchema(env);
          await writeSchemaBuild(build, output);
        }),
      );
    }
    const bytes = (await Deno.stat(output)).size;
    console.error(
      `build: ${build.files.length} files, ${(bytes / 1024).toFixed(0)} KiB, median ${median(buildMs).toFixed(0)} ms`,
    );

    // 2. Apply: psql -1 -f (floor), the library, and the CLI end to end, each into its own new
    // database. All databases are created first and dropped at the end, and a CHECKPOINT precedes
    // each timed run, so no run pays for another's disk writes. Variants rotate order per round.
    const floor: number[] = [];
    const lib: number[] = [];
    const cli: number[] = [];
    const urls: Record<string, string[]> = { psql: [], lib: [], cli: [] };
    for (let i = 0; i < REPEAT; i++) {
      for (const kind of Object.keys(urls)) {
        const name = `${prefix}_${kind}_${i}`;
        await admin(`CREATE DATABASE ${name}`);
        created.push(name);
        urls[kind].push(urlFor(name));
      }
    }
    const variants: [number[], (url: string) => Promise<unknown>, string][] = [
      [floor, (url) => run("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", output]), "psql"],
      [lib, async (url) => {
        const conn = await openDatabase(target(url));
        try {
          await applySchemaBuild(conn, build);
        } finally {
          await conn.close();
        }
      }, "lib"],
      [
        cli,
        (url) =>
          run(
            Deno.execPath(),
            ["run", "-A", MAIN, "build", "--env", "bench", "--database-url", url, "--apply", "-q"],
            dir,
          ),
        "cli",
      ],
    ];
    for (let i = 0; i < REPEAT; i++) {
      for (let k = 0; k < variants.length; k++) {
        const [times, fn, kind] = variants[(i + k) % variants.length];
        await admin("CHECKPOINT");
        times.push(await timeIt(() => fn(urls[kind][i])));
      }
    }
    const f = median(floor);
    console.error(
      `apply: psql -1 -f     median ${f.toFixed(0)} ms  (runs: ${floor.map((x) => x.toFixed(0)).join(", ")})`,
    );
    console.error(
      `apply: library        median ${median(lib).toFixed(0)} ms  (runs: ${
        lib.map((x) => x.toFixed(0)).join(", ")
      }) ratio ${(median(lib) / f).toFixed(2)}x  (target <= 1.15x)`,
    );
    console.error(
      `apply: CLI end to end median ${median(cli).toFixed(0)} ms  (runs: ${
        cli.map((x) => x.toFixed(0)).join(", ")
      }) ratio ${(median(cli) / f).toFixed(2)}x  ` +
        `(includes process start, building the file and recording migrations)`,
    );

    // 3. For reference (no floor: psql cannot reach it): the same apply on embedded PGlite.
    const lite: number[] = [];
    for (let i = 0; i < Math.min(REPEAT, 3); i++) {
      const conn = await openDatabase({ kind: "pglite" });
      try {
        lite.push(await timeIt(() => applySchemaBuild(conn, build)));
      } finally {
        await conn.close();
      }
    }
    console.error(`apply: PGlite (in memory, start-up excluded) median ${median(lite).toFixed(0)} ms`);
  } finally {
    for (const name of created) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
