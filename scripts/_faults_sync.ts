/**
 * The fault matrix's `sync` rows: the backends of one side terminated while the big table's
 * COPY streams. Kept beside scripts/faults.ts, whose rows are about `migrate up`; the outcome
 * columns mean the same here: the exit code, one JSON envelope on stdout, the target's
 * checkpoint journal consistent (the finished table recorded, the interrupted one not, its
 * `last_error` filled, no half-loaded rows), and `sync --resume` finishing the work.
 *
 * @module
 */
import { createDb, dbUrl, dropDb, psql } from "./bench/_util.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const APP = "cft_fault_sync"; // the CLI's application_name, so only its sessions are ended
const EVENTS = 300_000;
const SCHEMA = "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);\n" +
  "CREATE TABLE tb_event (pk_event bigint PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, payload text);\n";

/** One round's outcome, as scripts/faults.ts tabulates it. */
export interface SyncOutcome {
  code: number;
  envelope: boolean;
  consistent: boolean;
  recovered: boolean;
}

/** Terminate `side`'s backends once tb_event's COPY is under way; then check and resume. */
export async function runSyncFault(side: "source" | "target"): Promise<SyncOutcome> {
  const src = await createDb("fault_sync_src");
  const dst = await createDb("fault_sync_dst");
  const dir = await Deno.makeTempDir({ prefix: "confiture_faults_sync_" });
  try {
    await psql(dbUrl(src), [
      "-c",
      SCHEMA + "INSERT INTO tb_user SELECT i, 'Name ' || i FROM generate_series(1, 100) i;\n" +
      `INSERT INTO tb_event SELECT i, 1 + i % 100, repeat('x', 60) FROM generate_series(1, ${EVENTS}) i; ANALYZE;`,
    ]);
    await psql(dbUrl(dst), ["-c", SCHEMA]);
    await Deno.mkdir(`${dir}/db/environments`, { recursive: true });
    await Deno.writeTextFile(`${dir}/db/anonymization.yaml`, "rules:\n  tb_user.name: { strategy: keep }\n");
    for (const [env, db] of [["prod", src], ["staging", dst]]) {
      await Deno.writeTextFile(
        `${dir}/db/environments/${env}.yaml`,
        `database_url: "${dbUrl(db)}${dbUrl(db).includes("?") ? "&" : "?"}application_name=${APP}"\n`,
      );
    }
    const cli = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MAIN, "sync", "--from", "prod", "--to", "staging", ...args, "-f", "json"],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
        signal: AbortSignal.timeout(120_000), // a hang is an outcome (exit 143), not a stalled matrix
      });
    const child = cli(["--verbose"]).spawn();
    const stdout = new Response(child.stdout).text();
    let stderr = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!/public\.tb_event \[[#-]+\] [\d,]+\/[\d,]+ rows/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const victim = side === "source" ? src : dst;
    await psql(dbUrl(victim), [
      "-c",
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${victim}' AND application_name = '${APP}'`,
    ]);
    (async () => {
      for (;;) if ((await reader.read()).done) break;
    })().catch(() => {});
    const status = await child.status;
    const code = status.signal
      ? 128 + ({ SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[status.signal]
      : status.code;
    let envelope = false;
    try {
      const doc = JSON.parse((await stdout).trim());
      envelope = doc.ok === false && doc.error?.code === "CONNECTION_LOST" && doc.error?.details?.side === side;
    } catch {
      envelope = false;
    }
    const journal = (await psql(dbUrl(dst), [
      "-Atc",
      "SELECT table_name || ':' || coalesce(rows::text, '-') || ':' || (last_error IS NOT NULL) " +
      "FROM confiture_sync_checkpoint ORDER BY table_name",
    ])).trim();
    const events = Number((await psql(dbUrl(dst), ["-Atc", "SELECT count(*) FROM tb_event"])).trim());
    const consistent = journal === "public.tb_event:-:true\npublic.tb_user:100:false" && events === 0;
    const again = await cli(["--resume"]).output();
    const loaded = Number((await psql(dbUrl(dst), ["-Atc", "SELECT count(*) FROM tb_event"])).trim());
    return { code, envelope, consistent, recovered: again.code === 0 && loaded === EVENTS };
  } finally {
    await dropDb(src);
    await dropDb(dst);
    await Deno.remove(dir, { recursive: true });
  }
}
