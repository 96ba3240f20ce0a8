/**
 * Schema-to-schema under real faults, as users run it (a subprocess): the source or the
 * target backend terminated mid-copy, and a target table locked by another session.
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { NO_SERVER, type TempServerDb } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { freshPair, MAPPING, type Pair } from "./schema_to_schema_fixture.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const S2S = ["migrate", "schema-to-schema"];
const ends = (...args: string[]) => [...S2S, ...args, "--source", "legacy", "--target", "rebuilt"];
const GATE = 4242;

// Rows past id 100 wait for an advisory lock the test holds in the source database, so the
// copy stops mid-table, in a known place, until the test has injected its fault. The call is
// volatile, so the server evaluates it only for the rows a batch returns, after its LIMIT.
const GATED_MAPPING = MAPPING.replace(
  "email: email_address",
  `email: "CASE WHEN id > 100 THEN email_address || pg_advisory_xact_lock_shared(${GATE})::text ELSE email_address END"`,
);

async function project(pair: Pair, mapping = GATED_MAPPING) {
  return await tempProject({
    "db/environments/legacy.yaml": `database_url: "${pair.source.url}"\n`,
    "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n`,
    "db/schema_to_schema.yaml": mapping,
  });
}

/** Poll the server until `sql` (run on `db`) returns a pid: the state the fault needs. */
async function waitForPid(db: TempServerDb, sql: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await db.db.query<{ pid: number }>(sql);
    if (row) return Number(row.pid);
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${sql}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawn(dir: string, args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

const CASES = [
  { strategy: "copy", end: "source" },
  { strategy: "copy", end: "target" },
  // Over the FDW the gate's function runs on the target, so the target backend is the one that waits.
  { strategy: "fdw", end: "target" },
] as const;

for (const { strategy, end } of CASES) {
  Deno.test({
    name:
      `s2s fault (${strategy}): the ${end} backend terminated mid-copy → exit 3, one JSON envelope, journal last_error, --resume finishes`,
    ignore: NO_SERVER,
    async fn() {
      await using pair = await freshPair();
      await using p = await project(pair);
      if (strategy === "fdw") assertEquals((await runCli(ends("setup"), { cwd: p.dir })).code, 0);
      const gated = strategy === "fdw" ? pair.target : pair.source;
      const gate = await gated.db.reserve();
      try {
        await gate.query("SELECT pg_advisory_lock($1)", [GATE]);
        const child = spawn(p.dir, [...ends("migrate", "--strategy", strategy, "--batch-size", "20"), "-f", "json"]);
        const blocked = await waitForPid(
          gated,
          `SELECT pid FROM pg_stat_activity WHERE datname = '${gated.name}' AND wait_event_type = 'Lock'
              AND wait_event = 'advisory' AND pid <> pg_backend_pid()`,
        );
        const victim = end === "source" || strategy === "fdw" ? blocked : await waitForPid(
          pair.target,
          `SELECT pid FROM pg_stat_activity WHERE datname = '${pair.target.name}' AND query LIKE 'COPY %FROM STDIN%'`,
        );
        const admin = end === "source" ? pair.source.db : pair.target.db;
        const [{ ok }] = await admin.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [victim]);
        assert(ok, "terminated");
        await gate.query("SELECT pg_advisory_unlock($1)", [GATE]);
        const out = await child.output();
        const stdout = new TextDecoder().decode(out.stdout);
        const stderr = new TextDecoder().decode(out.stderr);
        assertEquals(out.code, 3, stdout + stderr);
        const e = JSON.parse(stdout) as {
          ok: boolean;
          error: { code: string; message: string; hint: string; details: Record<string, unknown> };
        };
        assertEquals([e.ok, e.error.code], [false, "CONNECTION_FAILED"]);
        assertStringIncludes(e.error.message, `Lost the connection to the ${end}`);
        assertStringIncludes(e.error.message, "public.tb_user: 80 of 225 rows committed, up to key (88)");
        assertStringIncludes(e.error.message, "not started: public.tb_order_line");
        assertStringIncludes(e.error.hint, "--resume");
        const [journal] = await pair.target.db.query<{ rows: number; last_error: string | null; done: boolean }>(
          "SELECT rows_copied::int AS rows, last_error, done FROM confiture_source.confiture_checkpoint WHERE target_table = 'public.tb_user'",
        );
        assertEquals([journal.rows, journal.done], [80, false]);
        assertStringIncludes(journal.last_error ?? "", "Lost the connection to");
        assertStringIncludes(journal.last_error ?? "", pair[end].name);
        const [{ n }] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_user");
        assertEquals(n, 80, "exactly the committed batches are in the target");
        // analyze shows where the run stopped and why, in JSON and in text.
        const analyzed = await runCli([...ends("analyze", "--strategy", strategy), "-f", "json"], { cwd: p.dir });
        assertEquals(analyzed.code, 0, analyzed.stdout + analyzed.stderr);
        const user = analyzed.json<{ tables: { table: string; state: string; last_error: string | null }[] }>()
          .tables.find((t) => t.table === "public.tb_user")!;
        assertEquals(user.state, "in progress");
        assertStringIncludes(user.last_error ?? "", "Lost the connection to");
        const analyzedText = await runCli(ends("analyze", "--strategy", strategy), { cwd: p.dir });
        assertStringIncludes(analyzedText.stdout, "public.tb_user: the last run stopped: Lost the connection to");

        const resumed = await runCli([...ends("migrate", "--strategy", strategy, "--resume"), "-f", "json"], {
          cwd: p.dir,
        });
        assertEquals(resumed.code, 0, resumed.stdout + resumed.stderr);
        const r = resumed.json<{ tables: { table: string; rows: number; total_rows: number }[] }>();
        assertEquals(r.tables.map((t) => [t.table, t.rows, t.total_rows]), [
          ["public.tb_user", 145, 225],
          ["public.tb_order_line", 120, 120],
        ]);
        const [cleared] = await pair.target.db.query<{ last_error: string | null }>(
          "SELECT last_error FROM confiture_source.confiture_checkpoint WHERE target_table = 'public.tb_user'",
        );
        assertEquals(cleared.last_error, null);
        const verified = await runCli(ends("verify"), { cwd: p.dir });
        assertEquals(verified.code, 0, verified.stdout + verified.stderr);
      } finally {
        await gate.release();
      }
    },
  });
}

/** Read a child's stderr until `text` appears; returns what was read. */
async function stderrUntil(reader: ReadableStreamDefaultReader<string>, text: string): Promise<string> {
  let seen = "";
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stderr ended before "${text}":\n${seen}`);
    seen += value;
  }
  return seen;
}

async function drain(reader: ReadableStreamDefaultReader<string>): Promise<string> {
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return rest;
    rest += value;
  }
}

Deno.test({
  name: "s2s lock: a target table locked elsewhere is announced with its holder; the wait ends when it is released",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using p = await project(pair, MAPPING);
    const holder = await pair.target.db.reserve();
    try {
      await holder.exec("SET application_name = 'cft-lock-holder'; BEGIN; LOCK TABLE tb_user IN ACCESS EXCLUSIVE MODE");
      const child = spawn(p.dir, [...ends("migrate", "--strategy", "copy", "--lock-timeout", "5min"), "-f", "json"]);
      const stdout = new Response(child.stdout).text();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      const seen = await stderrUntil(reader, "Waiting for");
      assertStringIncludes(
        seen,
        `Waiting for a ROW EXCLUSIVE lock on public.tb_user in the target held by pid ${holder.pid} (cft-lock-holder`,
      );
      await holder.exec("ROLLBACK");
      const rest = await drain(reader);
      const { code } = await child.status;
      assertEquals(code, 0, seen + rest);
      assertEquals(JSON.parse(await stdout).rows, 345);
      assertStringIncludes(seen + rest, "Acquired a ROW EXCLUSIVE lock on public.tb_user in the target after");
      const [{ n }] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_user");
      assertEquals(n, 225);
    } finally {
      await holder.exec("ROLLBACK").catch(() => {});
      await holder.release();
    }
  },
});

Deno.test({
  name: "s2s lock: a lock held past --lock-timeout ends with exit 6 naming the holder; --resume then finishes",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using p = await project(pair, MAPPING);
    const holder = await pair.target.db.reserve();
    try {
      await holder.exec("SET application_name = 'cft-lock-holder'; BEGIN; LOCK TABLE tb_user IN SHARE MODE");
      const r = await runCli([...ends("migrate", "--strategy", "copy", "--lock-timeout", "1s"), "-f", "json"], {
        cwd: p.dir,
      });
      assertEquals(r.code, 6, r.stdout + r.stderr);
      const e = r.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
      assertEquals([e.ok, e.error.code], [false, "LOCK_TIMEOUT"]);
      assertStringIncludes(
        e.error.message,
        `Timed out after 1 s waiting for a ROW EXCLUSIVE lock on public.tb_user in the target; held by pid ${holder.pid} (cft-lock-holder from 127.0.0.1, ShareLock, running "SET application_name = 'cft-lock-holder'; BEGIN; LOCK TABLE tb_user IN SHARE MODE")`,
      );
      assertStringIncludes(e.error.hint, "run `migrate --resume`");
      assertStringIncludes(
        r.stderr,
        `Waiting for a ROW EXCLUSIVE lock on public.tb_user in the target held by pid ${holder.pid}`,
      );

      // --restart empties the table: that wait is announced and bounded too.
      const restart = await runCli(ends("migrate", "--strategy", "copy", "--restart", "--lock-timeout", "500ms"), {
        cwd: p.dir,
      });
      assertEquals(restart.code, 6, restart.stderr);
      assertStringIncludes(restart.stderr, "Waiting for a ACCESS EXCLUSIVE lock on public.tb_user in the target");
      await holder.exec("ROLLBACK");
      const resumed = await runCli([...ends("migrate", "--strategy", "copy", "--resume"), "-f", "json"], {
        cwd: p.dir,
      });
      assertEquals(resumed.code, 0, resumed.stdout + resumed.stderr);
      const [{ n }] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_user");
      assertEquals(n, 225);
    } finally {
      await holder.exec("ROLLBACK").catch(() => {});
      await holder.release();
    }
  },
});

Deno.test({
  name: "s2s lock: a lock taken mid-copy stops the next batch after --lock-timeout (exit 6); committed batches stay",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using p = await project(pair);
    const gate = await pair.source.db.reserve();
    const holder = await pair.target.db.reserve();
    try {
      await gate.query("SELECT pg_advisory_lock($1)", [GATE]);
      const child = spawn(p.dir, [
        ...ends("migrate", "--strategy", "copy", "--batch-size", "20", "--lock-timeout", "1s"),
        "-f",
        "json",
      ]);
      await waitForPid(
        pair.source,
        `SELECT pid FROM pg_stat_activity WHERE datname = '${pair.source.name}' AND wait_event = 'advisory'
            AND pid <> pg_backend_pid()`,
      );
      // Queued behind the open batch, this lock is granted as soon as the batch commits, and
      // the next batch then has to wait for it.
      await holder.exec("SET application_name = 'cft-lock-holder'");
      const locked = holder.exec("BEGIN; LOCK TABLE tb_user IN EXCLUSIVE MODE");
      await waitForPid(
        pair.target,
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'cft-lock-holder' AND wait_event_type = 'Lock'`,
      );
      await gate.query("SELECT pg_advisory_unlock($1)", [GATE]);
      await locked;
      const out = await child.output();
      const stdout = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 6, stdout + new TextDecoder().decode(out.stderr));
      const e = JSON.parse(stdout) as { error: { code: string; message: string } };
      assertEquals(e.error.code, "LOCK_TIMEOUT");
      assertStringIncludes(e.error.message, `held by pid ${holder.pid} (cft-lock-holder from 127.0.0.1, ExclusiveLock`);
      await holder.exec("ROLLBACK");
      const [journal] = await pair.target.db.query<{ rows: number; last_error: string }>(
        "SELECT rows_copied::int AS rows, last_error FROM confiture_source.confiture_checkpoint WHERE target_table = 'public.tb_user'",
      );
      assertEquals(journal.rows, 100, "the batch that was open when the lock was queued committed");
      assertStringIncludes(journal.last_error, "lock timeout");
      const resumed = await runCli(ends("migrate", "--strategy", "copy", "--resume"), { cwd: p.dir });
      assertEquals(resumed.code, 0, resumed.stderr);
    } finally {
      await holder.exec("ROLLBACK").catch(() => {});
      await holder.release();
      await gate.release();
    }
  },
});

for (const strategy of ["copy", "fdw"] as const) {
  Deno.test({
    name: `s2s lock (${strategy}): catch-up announces a locked target table and gives up after --lock-timeout (exit 6)`,
    ignore: NO_SERVER,
    async fn() {
      await using pair = await freshPair();
      await using p = await project(pair, MAPPING);
      if (strategy === "fdw") assertEquals((await runCli(ends("setup"), { cwd: p.dir })).code, 0);
      const copied = await runCli(ends("migrate", "--strategy", strategy), { cwd: p.dir });
      assertEquals(copied.code, 0, copied.stderr);
      const holder = await pair.target.db.reserve();
      try {
        await holder.exec("SET application_name = 'cft-lock-holder'; BEGIN; LOCK TABLE tb_user IN SHARE MODE");
        const r = await runCli(
          [...ends("catch-up", "--strategy", strategy, "--tables", "tb_user", "--lock-timeout", "500ms"), "-f", "json"],
          { cwd: p.dir },
        );
        assertEquals(r.code, 6, r.stdout + r.stderr);
        assertEquals(r.json<{ error: { code: string } }>().error.code, "LOCK_TIMEOUT");
        assertStringIncludes(
          r.stderr,
          `Waiting for a ROW EXCLUSIVE lock on public.tb_user in the target held by pid ${holder.pid}`,
        );
        await holder.exec("ROLLBACK");
        const again = await runCli(ends("catch-up", "--strategy", strategy, "--tables", "tb_user"), { cwd: p.dir });
        assertEquals(again.code, 0, again.stderr);
      } finally {
        await holder.exec("ROLLBACK").catch(() => {});
        await holder.release();
      }
    },
  });
}
