// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * The fault matrix: each fault injected for real N times (default 5) against `migrate up`, with
 * a table of outcomes: the exit code seen, whether stdout held exactly one JSON envelope, whether
 * the tracking table agreed with the database, and whether the next `migrate up` recovered.
 *
 * Faults: the server terminates the backend (`pg_terminate_backend`) during a transactional
 * migration and during a CONCURRENTLY file; `kill -9` of the CLI during a transactional
 * migration (server); SIGINT during
 * a migration; a lock held by another session past the lock timeout; and on embedded PGlite,
 * `kill -9` right after migrations were reported applied (what was printed as applied must be
 * on disk; `tests/safe_apply_test.ts` is the same fault as a test). Then `sync` with the source's
 * or the target's backends terminated mid-COPY (scripts/_faults_sync.ts): there "tracking
 * consistent" means the target's checkpoint journal, and the rerun is `sync --resume`.
 *
 * Run: `deno run -A scripts/faults.ts [rounds]` (CONFITURE_BENCH_DATABASE_URL selects the server;
 * FAULTS_PGLITE_ONLY=1 runs only the PGlite case, FAULTS_SYNC_ONLY=1 only the sync rows).
 */
import { createDb, dbUrl, dropDb, psql } from "./bench/_util.ts";
import { runSyncFault } from "./_faults_sync.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const rounds = Number(Deno.args[0] ?? "5");

interface Outcome {
  code: number;
  envelope: boolean;
  consistent: boolean;
  recovered: boolean;
}

interface Fault {
  name: string;
  expected: number;
  files: Record<string, string>;
  pglite?: boolean;
  json?: boolean;
  /** Inject the fault while the CLI runs; `marker` is text awaited on stderr (or a query on the server). */
  inject: (ctx: { url: string; child: Deno.ChildProcess; waitQuery: (like: string) => Promise<void> }) => Promise<void>;
  /** Versions that must be recorded after the fault. */
  recorded: string[];
}

const BASE = { "db/migrations/001_log.up.sql": "CREATE TABLE run_log (v text);\nCREATE TABLE tb_e (id int);\n" };

const FAULTS: Fault[] = [
  {
    name: "terminate backend, transactional migration",
    expected: 3,
    json: true,
    files: { ...BASE, "db/migrations/002_slow.up.sql": "INSERT INTO run_log VALUES ('002');\nSELECT pg_sleep(5);\n" },
    inject: async ({ url, waitQuery }) => {
      await waitQuery("SELECT pg_sleep(5)%");
      await psql(url, [
        "-c",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%'",
      ]);
    },
    recorded: ["001"],
  },
  {
    name: "terminate backend, CONCURRENTLY file",
    expected: 3,
    json: true,
    files: {
      ...BASE,
      "db/migrations/002_idx.up.sql":
        "CREATE INDEX CONCURRENTLY idx_e1 ON tb_e (id);\nSELECT pg_sleep(5);\nCREATE INDEX CONCURRENTLY idx_e2 ON tb_e (id);\n",
    },
    inject: async ({ url, waitQuery }) => {
      await waitQuery("SELECT pg_sleep(5)%");
      await psql(url, [
        "-c",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%'",
      ]);
    },
    recorded: ["001"],
  },
  {
    name: "kill -9, transactional migration (server)",
    expected: 137,
    files: { ...BASE, "db/migrations/002_slow.up.sql": "INSERT INTO run_log VALUES ('002');\nSELECT pg_sleep(5);\n" },
    inject: async ({ child, waitQuery }) => {
      await waitQuery("SELECT pg_sleep(5)%");
      child.kill("SIGKILL");
    },
    recorded: ["001"],
  },
  {
    name: "SIGINT during a migration",
    expected: 130,
    json: true,
    files: { ...BASE, "db/migrations/002_slow.up.sql": "INSERT INTO run_log VALUES ('002');\nSELECT pg_sleep(5);\n" },
    inject: async ({ child, waitQuery }) => {
      await waitQuery("SELECT pg_sleep(5)%");
      child.kill("SIGINT");
    },
    recorded: ["001"],
  },
  {
    name: "lock held by another session past the lock timeout",
    expected: 1,
    json: true,
    files: {
      ...BASE,
      "db/migrations/002_alter.up.sql": "-- confiture:lock_timeout 200ms\nALTER TABLE tb_e ADD COLUMN x int;\n",
    },
    inject: async () => {},
    recorded: ["001"],
  },
];

async function runFault(f: Fault): Promise<Outcome> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_faults_" });
  const name = await createDb("fault");
  const url = dbUrl(name);
  let holder: Deno.ChildProcess | undefined;
  try {
    for (const [path, text] of Object.entries(f.files)) {
      await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${path}`, text);
    }
    const cli = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MAIN, ...args, "--database-url", url],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      });
    // 001 first, so the fault hits 002.
    await cli(["migrate", "up", "--steps", "1"]).output();
    if (f.name.startsWith("lock held")) {
      holder = new Deno.Command("psql", {
        args: ["-X", "-q", url, "-c", "BEGIN; LOCK TABLE tb_e IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30);"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor(url, "BEGIN; LOCK TABLE%");
    }
    const child = cli(["migrate", "up", ...(f.json ? ["--format", "json"] : [])]).spawn();
    const out = child.output();
    let ended = false;
    out.then(() => (ended = true), () => (ended = true));
    await f.inject({ url, child, waitQuery: (like) => waitFor(url, like, () => ended) });
    const r = await out;
    if (ended && r.code === 0 && !r.signal) {
      console.error(`${f.name}: the CLI finished before the fault was injected`);
    }
    const code = r.code === 1 && r.signal === "SIGKILL" ? 137 : r.signal ? 128 + signalNumber(r.signal) : r.code;
    const stdout = new TextDecoder().decode(r.stdout).trim();
    let envelope = !f.json;
    if (f.json) {
      try {
        const doc = JSON.parse(stdout);
        envelope = doc.ok === false && typeof doc.error?.code === "string";
      } catch {
        envelope = false;
      }
    }
    if (holder) {
      // Killing psql leaves its backend sleeping (and locking) until it notices: end it too.
      await psql(url, [
        "-c",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE%'",
      ]);
      try {
        holder.kill("SIGKILL");
      } catch { /* it ended with its backend */ }
      await holder.status;
      holder = undefined;
    }
    const versions = (await psql(url, ["-Atc", "SELECT version FROM tb_confiture ORDER BY version"])).trim().split(
      "\n",
    );
    const rows = Number((await psql(url, ["-Atc", "SELECT count(*) FROM run_log"])).trim());
    const consistent = JSON.stringify(versions) === JSON.stringify(f.recorded) && rows === 0;
    const again = await cli(["migrate", "up"]).output();
    const after = (await psql(url, ["-Atc", "SELECT count(*) FROM tb_confiture"])).trim();
    return { code, envelope, consistent, recovered: again.code === 0 && after === "2" };
  } finally {
    try {
      holder?.kill("SIGKILL");
    } catch { /* already ended */ }
    await dropDb(name);
    await Deno.remove(dir, { recursive: true });
  }
}

function signalNumber(s: Deno.Signal): number {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[s] ?? 0;
}

async function waitFor(url: string, like: string, ended: () => boolean = () => false): Promise<void> {
  // Patient: under load, the CLI can take seconds to reach the statement.
  for (let i = 0; i < 3000 && !ended(); i++) {
    const n = await psql(url, [
      "-Atc",
      `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '${
        like.replaceAll("'", "''")
      }' AND pid <> pg_backend_pid()`,
    ]);
    if (Number(n.trim()) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!ended()) throw new Error(`no running query like ${like}`);
}

/**
 * PGlite: kill -9 as soon as 003 is reported applied, while 004 sleeps. Every version printed
 * as applied must be recorded; 004 must not be; the rerun applies the rest.
 */
async function runPgliteKill(): Promise<Outcome> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_faults_pglite_" });
  try {
    await Deno.mkdir(`${dir}/db/migrations`, { recursive: true });
    for (const v of ["001", "002", "003", "005"]) {
      await Deno.writeTextFile(`${dir}/db/migrations/${v}_t${v}.up.sql`, `CREATE TABLE t${v} (id int);\n`);
    }
    await Deno.writeTextFile(
      `${dir}/db/migrations/004_slow.up.sql`,
      "CREATE TABLE t004 (id int);\nSELECT pg_sleep(5);\n",
    );
    const cli = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MAIN, ...args, "--database-url", "pglite:./.confiture/db"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      });
    const child = cli(["migrate", "up"]).spawn();
    const printed = new Set<string>();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!printed.has("003")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
      for (const m of seen.matchAll(/applied (\d{3})_/g)) printed.add(m[1]);
    }
    child.kill("SIGKILL");
    reader.cancel().catch(() => {});
    const r = await child.output().catch(() => undefined);
    const status = await child.status;
    const code = status.signal === "SIGKILL" ? 137 : status.code;
    void r;
    const st = await cli(["migrate", "status", "--format", "json"]).output();
    const doc = JSON.parse(new TextDecoder().decode(st.stdout));
    const applied = new Set<string>(doc.applied as string[]);
    const consistent = [...printed].every((v) => applied.has(v)) && !applied.has("004") && printed.size >= 3;
    const again = await cli(["migrate", "up"]).output();
    const end = JSON.parse(
      new TextDecoder().decode((await cli(["migrate", "status", "--format", "json"]).output()).stdout),
    );
    const all = (end.pending as string[]).length === 0 && (end.applied as string[]).length === 5;
    return { code, envelope: false, consistent, recovered: again.code === 0 && all };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(`rounds: ${rounds}`);
console.log("| fault | expected exit | exits seen | one JSON envelope | tracking consistent | rerun recovers |");
console.log("|---|---|---|---|---|---|");
const only = Deno.env.get("FAULTS_PGLITE_ONLY") ? "pglite" : Deno.env.get("FAULTS_SYNC_ONLY") ? "sync" : undefined;
for (const f of only ? [] : FAULTS) {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < rounds; i++) outcomes.push(await runFault(f));
  const codes = [...new Set(outcomes.map((o) => o.code))].join(", ");
  const count = (k: keyof Outcome) => `${outcomes.filter((o) => o[k]).length}/${rounds}`;
  console.log(
    `| ${f.name} | ${f.expected} | ${codes} | ${f.json ? count("envelope") : "n/a"} | ${count("consistent")} | ${
      count("recovered")
    } |`,
  );
}
if (only !== "sync") {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < rounds; i++) outcomes.push(await runPgliteKill());
  const codes = [...new Set(outcomes.map((o) => o.code))].join(", ");
  const count = (k: keyof Outcome) => `${outcomes.filter((o) => o[k]).length}/${rounds}`;
  console.log(
    `| kill -9 right after "applied" lines (PGlite) | 137 | ${codes} | n/a | ${count("consistent")} | ${
      count("recovered")
    } |`,
  );
}
for (const side of only === "pglite" ? [] : ["target", "source"] as const) {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < rounds; i++) outcomes.push(await runSyncFault(side));
  const codes = [...new Set(outcomes.map((o) => o.code))].join(", ");
  const count = (k: "envelope" | "consistent" | "recovered") => `${outcomes.filter((o) => o[k]).length}/${rounds}`;
  console.log(
    `| sync: ${side} backends terminated mid-COPY | 3 | ${codes} | ${count("envelope")} | ${count("consistent")} | ${
      count("recovered")
    } |`,
  );
}
