/**
 * Safe apply: concurrent deployers, crashes, statements that cannot run in a transaction,
 * timeouts and retries, poolers.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { BACKENDS, freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import { SchemaError } from "../src/errors.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { LOCK_CLASSID, lockObjectId } from "../src/migrate/lock.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

const AWKWARD: Record<string, string> = {
  "db/migrations/001_base.up.sql":
    "CREATE TABLE tb_event (id int PRIMARY KEY, kind text, at timestamptz);\nCREATE TYPE mood AS ENUM ('ok');\n",
  "db/migrations/001_base.down.sql": "DROP TYPE mood;\nDROP TABLE tb_event;\n",
  "db/migrations/002_concurrent_indexes.up.sql":
    "CREATE INDEX CONCURRENTLY idx_event_kind ON tb_event (kind);\nCREATE INDEX CONCURRENTLY idx_event_at ON tb_event (at);\n",
  "db/migrations/002_concurrent_indexes.down.sql":
    "DROP INDEX CONCURRENTLY idx_event_at;\nDROP INDEX CONCURRENTLY idx_event_kind;\n",
  "db/migrations/003_own_transactions.up.sql":
    "BEGIN;\nCREATE TABLE tb_a (id int);\nINSERT INTO tb_a VALUES (1);\nCOMMIT;\n\nBEGIN;\nCREATE TABLE tb_b (id int);\nCOMMIT;\n",
  "db/migrations/003_own_transactions.down.sql": "BEGIN;\nDROP TABLE tb_b;\nDROP TABLE tb_a;\nCOMMIT;\n",
  "db/migrations/004_enum_value.up.sql":
    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'great';\nCREATE TABLE tb_feeling (m mood DEFAULT 'great');\nINSERT INTO tb_feeling VALUES ('great');\n",
  "db/migrations/004_enum_value.down.sql": "DROP TABLE tb_feeling;\n",
};

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend.name}] CONCURRENTLY indexes, a file's own BEGIN/COMMIT, and enum ADD VALUE then use: up and down`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject(AWKWARD);
      await using t = await backend.fresh();
      const m = Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir });
      const plan = await m.up({ dryRun: true });
      assertEquals(plan.plan!.map((x) => x.mode), ["transaction", "no-transaction", "explicit", "no-transaction"]);
      assertStringIncludes(plan.plan![1].sql, "outside a transaction (CREATE INDEX CONCURRENTLY)");
      assertEquals((await m.up()).applied, ["001", "002", "003", "004"]);
      const idx = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('idx_event_kind', 'idx_event_at')",
      );
      assertEquals(idx[0].n, 2);
      assertEquals((await t.db.query<{ m: string }>("SELECT m::text FROM tb_feeling"))[0].m, "great");
      assertEquals((await t.db.query<{ id: number }>("SELECT id FROM tb_a"))[0].id, 1);
      const progress = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_confiture_progress");
      assertEquals(progress[0].n, 0, "finished runs leave no journal rows");
      assertEquals((await m.down({ steps: 3 })).rolled_back, ["004", "003", "002"]);
      const left = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname LIKE 'idx_event_%'",
      );
      assertEquals(left[0].n, 0);
      assertEquals((await m.status()).applied, ["001"]);
      assertEquals((await m.up()).applied, ["002", "003", "004"]);
    },
  });

  Deno.test({
    name: `[${backend.name}] a syntax error anywhere stops up before anything runs, naming file:line:col`,
    ignore: backend.ignore,
    async fn() {
      await using p = await tempProject({
        ...AWKWARD,
        "db/migrations/005_typo.up.sql": "SELECT 1;\nALTER TABLE tb_event ADD COLUM x int;\n",
      });
      await using t = await backend.fresh();
      const m = Migrator.fromDatabase(t.db, { migrationsDir: "db/migrations", projectDir: p.dir });
      const e = await assertRejects(() => m.up(), SchemaError, "Cannot parse db/migrations/005_typo.up.sql:2:");
      assertEquals((e as SchemaError).exitCode, 4);
      assertEquals((await m.status()).applied, [], "nothing ran");
    },
  });
}

Deno.test({
  name: "[server] 8 concurrent `migrate up` processes, repeated: every migration applied exactly once",
  ignore: NO_SERVER,
  async fn() {
    const rounds = Number(Deno.env.get("CONFITURE_CONCURRENCY_ROUNDS") ?? "20");
    let waits = 0;
    for (let round = 0; round < rounds; round++) {
      await using db = await freshServerDb("cft_conc");
      await using p = await tempProject({
        "db/environments/test.yaml": `database_url: ${db.url}\n`,
        "db/migrations/001_log.up.sql": "CREATE TABLE run_log (version text);\nINSERT INTO run_log VALUES ('001');\n",
        "db/migrations/002_slow.up.sql": "SELECT pg_sleep(0.2);\nINSERT INTO run_log VALUES ('002');\n",
        "db/migrations/003_table.up.sql": "CREATE TABLE tb_x (id int);\nINSERT INTO run_log VALUES ('003');\n",
      });
      const runs = await Promise.all(
        Array.from({ length: 8 }, () => runCli(["migrate", "up", "--env", "test"], { cwd: p.dir })),
      );
      for (const r of runs) assertEquals(r.code, 0, r.stderr);
      waits += runs.filter((r) => r.stderr.includes("Waiting for the migration lock")).length;
      const log = await db.db.query<{ version: string; n: number }>(
        "SELECT version, count(*)::int AS n FROM run_log GROUP BY version ORDER BY version",
      );
      assertEquals(log, [{ version: "001", n: 1 }, { version: "002", n: 1 }, { version: "003", n: 1 }]);
      assertEquals((await db.db.query("SELECT version FROM tb_confiture")).length, 3);
    }
    assert(waits > 0, "lock waits are reported on stderr");
  },
});

Deno.test({
  name: "[server] lock held by another session: exit 6 naming the holder, in text and JSON",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
      "db/migrations/001_a.up.sql": "CREATE TABLE a (id int);\n",
    });
    const holder = await openDatabase(parseDatabaseUrl(`${db.url}&application_name=deploy-7`, () => undefined), {
      max: 1,
    });
    try {
      const s = await holder.reserve();
      await s.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASSID, lockObjectId(db.name)]);
      const r = await runCli(["migrate", "up", "--env", "test", "--lock-timeout", "300ms", "--format", "json"], {
        cwd: p.dir,
      });
      assertEquals(r.code, 6, r.stderr);
      const err = r.json<
        { error: { code: string; message: string; details: { holder: { pid: number; application_name: string } } } }
      >()
        .error;
      assertEquals(err.code, "LOCK_TIMEOUT");
      assertEquals([err.details.holder.pid, err.details.holder.application_name], [s.pid, "deploy-7"]);
      assertStringIncludes(err.message, `held by pid ${s.pid} (deploy-7`);
      const text = await runCli(["migrate", "up", "--env", "test", "--lock-timeout", "300ms"], { cwd: p.dir });
      assertEquals(text.code, 6);
      assertStringIncludes(text.stderr, "Waiting for the migration lock held by pid");
      assertStringIncludes(text.stderr, "Could not acquire the migration lock within 300 ms");
      await s.release();
    } finally {
      await holder.close();
    }
    assertEquals((await db.db.query("SELECT 1 FROM pg_tables WHERE tablename = 'a'")).length, 0);
  },
});

/** Spawn the CLI and resolve once its stderr contains `marker` (or it exits). */
function spawnCli(args: string[], cwd: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const waiters: { marker: string; resolve: () => void }[] = [];
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
      for (const w of waiters.filter((w) => stderr.includes(w.marker))) w.resolve();
    }
    for (const w of waiters) w.resolve();
  })();
  return {
    child,
    stderr: () => stderr,
    until: (marker: string) =>
      stderr.includes(marker) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ marker, resolve })),
    done: async () => {
      const status = await child.status;
      await pump;
      return status;
    },
  };
}

/** Poll pg_stat_activity until a query matching `like` runs (not a sleep: a condition wait). */
async function untilQueryRuns(db: { query: (sql: string, p?: unknown[]) => Promise<unknown[]> }, like: string) {
  for (let i = 0; i < 500; i++) {
    const rows = await db.query(
      "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
      [like],
    );
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no running query like ${like}`);
}

Deno.test({
  name: "[server] kill -9 during a transactional migration: tracking unchanged; the rerun applies it once",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
      "db/migrations/001_a.up.sql": "CREATE TABLE run_log (v text);\n",
      "db/migrations/002_long.up.sql": "INSERT INTO run_log VALUES ('002');\nSELECT pg_sleep(2);\n",
    });
    const run = spawnCli(["migrate", "up", "--env", "test"], p.dir);
    await untilQueryRuns(db.db, "SELECT pg_sleep(2)%");
    run.child.kill("SIGKILL");
    await run.done();
    assertEquals((await db.db.query<{ version: string }>("SELECT version FROM tb_confiture")).map((r) => r.version), [
      "001",
    ]);
    const again = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await db.db.query("SELECT v FROM run_log"), [{ v: "002" }]);
    assertEquals((await db.db.query("SELECT version FROM tb_confiture")).length, 2);
  },
});

Deno.test({
  name:
    "[server] kill -9 during a non-transactional file: status shows partial; the rerun resumes after the last finished statement",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\n`,
      "db/migrations/001_a.up.sql": "CREATE TABLE run_log (v text);\nCREATE TABLE tb_e (id int, k text);\n",
      "db/migrations/002_indexes.up.sql": [
        "INSERT INTO run_log VALUES ('first');",
        "CREATE INDEX CONCURRENTLY idx_e_id ON tb_e (id);",
        "SELECT pg_sleep(3);",
        "CREATE INDEX CONCURRENTLY idx_e_k ON tb_e (k);",
        "",
      ].join("\n"),
    });
    const run = spawnCli(["migrate", "up", "--env", "test"], p.dir);
    await untilQueryRuns(db.db, "SELECT pg_sleep(3)%");
    run.child.kill("SIGKILL");
    await run.done();
    const st = await runCli(["migrate", "status", "--env", "test", "--format", "json"], { cwd: p.dir });
    assertEquals(st.code, 1);
    const m = st.json<
      {
        migrations: {
          version: string;
          status: string;
          stopped_at?: { statement: number; of: number; line: number };
        }[];
      }
    >()
      .migrations[1];
    assertEquals([m.version, m.status, m.stopped_at?.statement, m.stopped_at?.of, m.stopped_at?.line], [
      "002",
      "partial",
      3,
      4,
      3,
    ]);
    const again = await runCli(["migrate", "up", "--env", "test"], { cwd: p.dir });
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "resumed at statement 3 of 4");
    assertEquals(await db.db.query("SELECT v FROM run_log"), [{ v: "first" }], "finished statements are not rerun");
    const idx = await db.db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'tb_e' ORDER BY 1");
    assertEquals(idx, [{ indexname: "idx_e_id" }, { indexname: "idx_e_k" }]);
    assertEquals((await runCli(["migrate", "status", "--env", "test"], { cwd: p.dir })).code, 0);
  },
});

Deno.test({
  name: "[server] a migration blocked by a table lock is retried with backoff, each retry on stderr",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject({
      "db/environments/test.yaml": `database_url: ${db.url}\nmigration:\n  statement_lock_timeout: 100ms\n`,
      "db/migrations/001_a.up.sql": "CREATE TABLE tb_busy (id int);\n",
      "db/migrations/002_alter.up.sql": "ALTER TABLE tb_busy ADD COLUMN note text;\n",
    });
    assertEquals((await runCli(["migrate", "up", "--env", "test", "--steps", "1"], { cwd: p.dir })).code, 0);
    const blocker = await db.db.reserve();
    await blocker.exec("BEGIN; LOCK TABLE tb_busy IN ACCESS SHARE MODE");
    const run = spawnCli(["migrate", "up", "--env", "test"], p.dir);
    await run.until("retry 1");
    await blocker.exec("COMMIT");
    await blocker.release();
    const status = await run.done();
    assertEquals(status.code, 0, run.stderr());
    assertStringIncludes(run.stderr(), "002_alter: lock_timeout waiting for a table lock; retry 1 in");
    assertEquals((await db.db.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'note'")).length, 1);
  },
});

Deno.test({
  name: "[server] a transaction-mode pooler is detected and refused; direct_url is used when set",
  ignore: NO_SERVER || !pgbouncerPath(),
  async fn() {
    await using db = await freshServerDb();
    await using bouncer = await startPgbouncer(db.name);
    const pooled = `postgres://root@127.0.0.1:${bouncer.port}/${db.name}?sslmode=disable`;
    await using p = await tempProject({
      "db/environments/pooled.yaml": `database_url: ${pooled}\n`,
      "db/environments/direct.yaml": `database_url: ${pooled}\ndirect_url: ${db.url}\n`,
      "db/migrations/001_a.up.sql": "CREATE TABLE a (id int);\n",
    });
    const r = await runCli(["migrate", "up", "--env", "pooled", "--format", "json"], { cwd: p.dir });
    assertEquals(r.code, 5, r.stdout + r.stderr);
    const err = r.json<{ error: { code: string; message: string; hint: string } }>().error;
    assertEquals(err.code, "POOLED_CONNECTION");
    assertStringIncludes(err.hint, "direct_url");
    assertEquals((await db.db.query("SELECT 1 FROM pg_tables WHERE tablename = 'a'")).length, 0);
    const ok = await runCli(["migrate", "up", "--env", "direct"], { cwd: p.dir });
    assertEquals(ok.code, 0, ok.stderr);
    const st = await runCli(["migrate", "status", "--env", "pooled"], { cwd: p.dir });
    assertEquals(st.code, 0, "read-only status works through the pooler");
  },
});

function pgbouncerPath(): string | undefined {
  for (const p of ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]) {
    try {
      Deno.statSync(p);
      return p;
    } catch { /* not here */ }
  }
  return undefined;
}

async function startPgbouncer(dbname: string) {
  const dir = await Deno.makeTempDir({ prefix: "cft_bouncer_" });
  await Deno.chmod(dir, 0o777);
  const port = 20000 + Math.floor(Math.random() * 20000);
  await Deno.writeTextFile(`${dir}/userlist.txt`, '"root" ""\n');
  await Deno.writeTextFile(
    `${dir}/pgbouncer.ini`,
    `[databases]\n${dbname} = host=127.0.0.1 port=5432 dbname=${dbname} user=root\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nauth_type = trust\nauth_file = ${dir}/userlist.txt\npool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\nunix_socket_dir =\nlogfile = ${dir}/pgbouncer.log\npidfile = ${dir}/pgbouncer.pid\nignore_startup_parameters = extra_float_digits,application_name,client_connection_check_interval\n`,
  );
  for (const f of ["userlist.txt", "pgbouncer.ini"]) await Deno.chmod(`${dir}/${f}`, 0o644);
  const args = Deno.uid?.() === 0 ? ["-u", "postgres", `${dir}/pgbouncer.ini`] : [`${dir}/pgbouncer.ini`];
  const child = new Deno.Command(pgbouncerPath()!, { args, stdout: "null", stderr: "piped" }).spawn();
  // Wait until it accepts connections.
  for (let i = 0;; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      break;
    } catch {
      if (i > 200) throw new Error("pgbouncer did not start");
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    port,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await child.stderr.cancel();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

Deno.test("[pglite] kill -9 right after migrations were reported applied: they are all on disk", async () => {
  // PGlite is its own server: a killed process takes it along before an asynchronous commit's
  // WAL is written. Before the fix, 3 printed "✓ applied" and 0 were kept.
  await using p = await tempProject({
    "db/environments/test.yaml": "database_url: pglite:./.confiture/test\n",
    "db/migrations/001_a.up.sql": "CREATE TABLE a (id int);\n",
    "db/migrations/002_b.up.sql": "CREATE TABLE b (id int);\n",
    "db/migrations/003_c.up.sql": "CREATE TABLE c (id int);\n",
    "db/migrations/004_slow.up.sql": "SELECT pg_sleep(60);\n",
  });
  const run = spawnCli(["migrate", "up", "--env", "test"], p.dir);
  await run.until("applied 003_c"); // not the off-terminal start line "Applying 003_c", sent before the commit
  run.child.kill("SIGKILL");
  await run.done();
  assertStringIncludes(run.stderr(), "applied 003_c");
  await Deno.remove(`${p.dir}/db/migrations/004_slow.up.sql`);
  const db = await openDatabase(parseDatabaseUrl(`pglite:${p.dir}/.confiture/test`, () => undefined));
  try {
    const rows = await db.query<{ version: string }>("SELECT version FROM tb_confiture ORDER BY version");
    assertEquals(rows.map((r) => r.version), ["001", "002", "003"]);
    const tables = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('a', 'b', 'c')",
    );
    assertEquals(tables, [{ n: 3 }]);
  } finally {
    await db.close();
  }
});
