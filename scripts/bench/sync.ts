// deno-lint-ignore-file no-console -- a bench script reports on the terminal
/**
 * Sync benchmark: copy a table of (id, email, name, phone, created_at, 40-byte text) from one
 * server database to another with `confiture sync` run as a CLI subprocess, plain and with
 * email, name and phone masked, against the floor
 * `psql -c "COPY t TO STDOUT" | psql -c "COPY t FROM STDIN"` measured in the same run.
 * Peak RSS is read from /proc/<pid>/status (VmHWM) and the CLI's CPU time from /proc/<pid>/stat
 * while it runs. The masked run is repeated with the V8 flags the release binaries carry
 * (scripts/compile.ts `V8_FLAGS`, also in `deno task confiture`).
 *
 * `deno task bench sync` (env: CONFITURE_BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres;
 * SYNC_ROWS, default "1000000,5000000"; SYNC_REPEAT, default 3 at 1M and 1 above).
 */
import { V8_FLAGS } from "../compile.ts";

const ADMIN_URL = Deno.env.get("CONFITURE_BENCH_DATABASE_URL") ?? "postgres://root@127.0.0.1:5432/postgres";
const SIZES = (Deno.env.get("SYNC_ROWS") ?? "1000000,5000000").split(",").map(Number);
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const SMALL_YOUNG_GEN = `--v8-flags=${V8_FLAGS.join(",")}`;

const DDL = `CREATE TABLE t (
  id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL, phone text NOT NULL,
  created_at timestamptz NOT NULL, note text NOT NULL)`;

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function sh(script: string): Promise<void> {
  const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${script}: ${new TextDecoder().decode(out.stderr)}`);
}

function psql(url: string, sql: string): Promise<void> {
  return sh(`psql '${url}' -X -q -v ON_ERROR_STOP=1 -c "${sql.replaceAll('"', '\\"')}"`);
}

interface Run {
  seconds: number;
  peakKb: number;
  /** User + system CPU seconds of the CLI process (last sample, at most 20 ms before it exits). */
  cpuSeconds: number;
  rowsPerSecond?: number;
}

/** Run the CLI, polling VmHWM until it exits. */
async function runSync(cwd: string, extra: string[], denoFlags: string[] = []): Promise<Run> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      ...denoFlags,
      MAIN,
      "sync",
      "--from",
      "src",
      "--to",
      "dst",
      "--format",
      "json",
      ...extra,
    ],
    cwd,
    env: { CONFITURE_ANON_KEY: "bench-key-0123456789abcdef", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peakKb = 0;
  let cpuTicks = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      try {
        const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // Fields after the command name: state is the 3rd field, utime the 14th, stime the 15th.
        const stat = (await Deno.readTextFile(`/proc/${child.pid}/stat`)).split(") ")[1].split(" ");
        cpuTicks = Math.max(cpuTicks, Number(stat[11]) + Number(stat[12]));
      } catch {
        // The process has exited between two polls.
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const out = await child.output();
  running = false;
  await poll;
  const seconds = (performance.now() - started) / 1000;
  if (!out.success) throw new Error(`sync failed: ${new TextDecoder().decode(out.stderr)}`);
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  // Clock ticks are 1/100 s on Linux (USER_HZ).
  return { seconds, peakKb, cpuSeconds: cpuTicks / 100, rowsPerSecond: report.rows_per_second };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run the benchmark and print the table. */
export async function main(): Promise<void> {
  const results: string[] = [];
  const peaks: Record<string, number[]> = { plain: [], masked: [], "masked, small young generation": [] };
  for (const rows of SIZES) {
    const repeat = Number(Deno.env.get("SYNC_REPEAT") ?? (rows > 1_000_000 ? 1 : 3));
    const suffix = crypto.randomUUID().slice(0, 8);
    const src = `bench_sync_src_${suffix}`;
    const dst = `bench_sync_dst_${suffix}`;
    const dir = await Deno.makeTempDir({ prefix: "confiture_bench_sync_" });
    try {
      await psql(ADMIN_URL, `CREATE DATABASE ${src}`);
      await psql(ADMIN_URL, `CREATE DATABASE ${dst}`);
      await psql(urlFor(dst), DDL);
      console.error(`sync: filling ${rows.toLocaleString("en-US")} rows…`);
      await psql(
        urlFor(src),
        `${DDL}; INSERT INTO t SELECT g, 'person' || g || '@corp.example', 'First' || g || ' Last' || (g % 977),
           '+1 555 ' || lpad((g % 10000000)::text, 7, '0'), timestamptz '2024-01-01' + g * interval '1 second',
           left(md5(g::text) || md5((g * 3)::text), 40)
         FROM generate_series(1, ${rows}) g; ANALYZE t`,
      );
      await Deno.mkdir(`${dir}/db/environments`, { recursive: true });
      await Deno.writeTextFile(`${dir}/db/environments/src.yaml`, `database_url: ${urlFor(src)}\n`);
      await Deno.writeTextFile(`${dir}/db/environments/dst.yaml`, `database_url: ${urlFor(dst)}\n`);
      await Deno.writeTextFile(
        `${dir}/db/anonymization.yaml`,
        "rules:\n  t.email: email\n  t.name: name\n  t.phone: phone\n",
      );
      await Deno.writeTextFile(`${dir}/db/plain.yaml`, "rules: {}\n");
      const floor: number[] = [];
      const plain: Run[] = [];
      const masked: Run[] = [];
      // Informative: the same masked run with V8's young generation capped (a startup flag).
      const small: Run[] = [];
      for (let i = 0; i < repeat; i++) {
        await psql(urlFor(dst), "TRUNCATE t");
        const t0 = performance.now();
        await sh(
          `psql '${urlFor(src)}' -X -q -c "COPY t TO STDOUT" | psql '${urlFor(dst)}' -X -q -c "COPY t FROM STDIN"`,
        );
        floor.push((performance.now() - t0) / 1000);
        plain.push(await runSync(dir, ["--profile", "db/plain.yaml", "--allow-unmasked"]));
        masked.push(await runSync(dir, []));
        small.push(await runSync(dir, [], [SMALL_YOUNG_GEN]));
      }
      const f = rows / median(floor);
      const p = rows / median(plain.map((r) => r.seconds));
      const m = rows / median(masked.map((r) => r.seconds));
      const mb = (runs: Run[]) => Math.max(...runs.map((r) => r.peakKb)) / 1024;
      peaks.plain.push(mb(plain));
      peaks.masked.push(mb(masked));
      peaks["masked, small young generation"].push(mb(small));
      const sm = rows / median(small.map((r) => r.seconds));
      const n = rows.toLocaleString("en-US");
      const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
      const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuSeconds)).toFixed(2);
      const row = (label: string, runs: Run[], wall: number) =>
        `| ${n} | ${label} | ${fmt(median(runs.map((r) => r.rowsPerSecond ?? 0)))} in-process | ${fmt(wall)} | ${
          (wall / f).toFixed(2)
        } | ${mb(runs).toFixed(0)} MB | ${cpu(runs)} |`;
      results.push(
        `| ${n} | floor: psql COPY | pipe | ${fmt(f)} | 1.00 | – | – |`,
        row("sync, plain", plain, p),
        row("sync, email+name+phone masked", masked, m),
        row(`masked, \`${SMALL_YOUNG_GEN}\``, small, sm),
      );
      console.error(
        `sync ${n} rows: floor ${Math.round(f)} rows/s; plain ${Math.round(p)} rows/s (${(p / f).toFixed(2)}×, peak ${
          mb(plain).toFixed(0)
        } MB); masked ${Math.round(m)} rows/s (${(m / f).toFixed(2)}×, peak ${mb(masked).toFixed(0)} MB)`,
      );
    } finally {
      await psql(ADMIN_URL, `DROP DATABASE IF EXISTS ${src} WITH (FORCE)`).catch(() => {});
      await psql(ADMIN_URL, `DROP DATABASE IF EXISTS ${dst} WITH (FORCE)`).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  console.log("| rows | run | rows/s (report) | rows/s (wall, incl. CLI start) | × floor | peak RSS | CLI CPU s |");
  console.log("|---|---|---|---|---|---|---|");
  for (const line of results) console.log(line);
  if (SIZES.length > 1) {
    for (const kind of Object.keys(peaks)) {
      const xs = peaks[kind];
      console.log(
        `\npeak RSS ${kind}: ${xs.map((x) => x.toFixed(0)).join(" MB, ")} MB ` +
          `(largest/smallest ${(Math.max(...xs) / Math.min(...xs)).toFixed(2)})`,
      );
    }
  }
}

if (import.meta.main) await main();
