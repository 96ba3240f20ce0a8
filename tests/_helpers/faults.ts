/**
 * Fault injection for tests and `scripts/faults.ts`: the CLI as a child process one can signal
 * or kill mid-run, waits on server state, backends terminated by database name, and a
 * throwaway PostgreSQL cluster of our own that can be restarted (never the shared server).
 *
 * @module
 */
import type { Database } from "../../src/db/database.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running `confiture` process. */
export interface CliProcess {
  child: Deno.ChildProcess;
  /** Resolves once stderr matches `pattern` (rejects after `timeoutMs` or on exit). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Waits for the exit and returns what was printed. */
  finished(): Promise<{ code: number; signal: string | null; stdout: string; stderr: string }>;
}

/** Start `confiture <args>` without waiting for it. */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, into: (s: string) => void) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      into(chunk);
      for (const w of watchers.splice(0)) {
        if (w.pattern.test(stderr)) w.resolve();
        else watchers.push(w);
      }
    }
  };
  const pumped = Promise.all([
    pump(child.stdout, (s) => (stdout += s)),
    pump(child.stderr, (s) => (stderr += s)),
  ]);
  const status = child.status;
  return {
    child,
    waitForStderr(pattern, timeoutMs = 20_000) {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}:\n${stderr}`)), timeoutMs);
        watchers.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        status.then(() => {
          clearTimeout(timer);
          if (!pattern.test(stderr)) reject(new Error(`exited before stderr matched ${pattern}:\n${stderr}`));
        });
      });
    },
    async finished() {
      const s = await status;
      await pumped;
      return { code: s.code, signal: s.signal, stdout, stderr };
    },
  };
}

/** Poll `check` every 25 ms until it returns true; throw after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Backends of database `dbname` (only that one) whose current query matches `like`. */
export async function backends(admin: Database, dbname: string, like: string): Promise<number[]> {
  const rows = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE $2 AND pid <> pg_backend_pid()
        AND state = 'active'`,
    [dbname, like],
  );
  return rows.map((r) => Number(r.pid));
}

/** Wait for a backend of `dbname` running `like`, then terminate it. Returns its pid. */
export async function terminateWhenRunning(admin: Database, dbname: string, like: string): Promise<number> {
  let pids: number[] = [];
  await waitUntil(`a backend running ${like}`, async () => (pids = await backends(admin, dbname, like)).length > 0);
  await admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
  return pids[0];
}

/** Whether anyone holds an advisory lock in database `dbname`. */
export async function advisoryLocksIn(admin: Database, dbname: string): Promise<number> {
  const [row] = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND d.datname = $1`,
    [dbname],
  );
  return Number(row.n);
}

const PG_BIN = "/usr/lib/postgresql/15/bin";

/** A PostgreSQL cluster of our own on a free port, in a temp dir; stopped and removed on dispose. */
export interface TempCluster extends AsyncDisposable {
  port: number;
  /** URL of database `name` on it. */
  url(name: string): string;
  /** `pg_ctl restart -m fast`: every session is cut. */
  restart(): Promise<void>;
}

/** Whether a throwaway cluster can be started on this machine. */
export function canStartCluster(): boolean {
  try {
    Deno.statSync(`${PG_BIN}/initdb`);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<void> {
  // initdb refuses to run as root: run the cluster as the postgres user when we are root.
  const asRoot = Deno.uid?.() === 0;
  const out = await new Deno.Command(asRoot ? "runuser" : cmd, {
    args: asRoot ? ["-u", "postgres", "--", cmd, ...args] : args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

/** initdb + start a cluster whose superuser is `root`, trust auth, on 127.0.0.1:`port`. */
export async function startCluster(): Promise<TempCluster> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_cluster_" });
  if (Deno.uid?.() === 0) {
    await new Deno.Command("chown", { args: ["postgres", dir] }).output();
  }
  const data = `${dir}/data`;
  const port = 55_000 + Math.floor(Math.random() * 900);
  await run(`${PG_BIN}/initdb`, ["-D", data, "-A", "trust", "-U", "root", "--no-sync", "-E", "UTF8"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (...args: string[]) => run(`${PG_BIN}/pg_ctl`, ["-D", data, "-w", "-l", `${dir}/log`, ...args]);
  await ctl("-o", opts, "start");
  return {
    port,
    url: (name) => `postgres://root@127.0.0.1:${port}/${name}?sslmode=disable`,
    restart: () => ctl("-m", "fast", "-o", opts, "restart"),
    async [Symbol.asyncDispose]() {
      await ctl("-m", "immediate", "stop").catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
