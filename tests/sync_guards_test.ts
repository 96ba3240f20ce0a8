/**
 * The guards and faults of `confiture sync`, run as users run it: one database under two
 * spellings, a lock held by another session, a backend terminated mid-COPY on either side.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { tempProject } from "./_helpers/project.ts";
import { freshPglite, freshServerDb, NO_SERVER, SERVER_URL, type TempServerDb } from "./_helpers/db.ts";
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open.ts";
import { parseDatabaseUrl } from "../src/db/url.ts";
import { syncDatabases } from "../src/sync/sync.ts";
import { ConfigError } from "../src/errors.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const APP = "cft_sync_under_test"; // the CLI's application_name, so a test ends only its sessions

const SCHEMA = `
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_event (pk_event bigint PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, payload text);
`;

async function count(db: Database, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(n);
}

/** A running CLI: stderr is read as it comes, so a test can act on what it says. */
function spawnCli(args: string[], cwd: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000), // a hang fails the test instead of stalling the run
  }).spawn();
  let stderr = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const reading = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += text;
      for (const w of waiters.filter((w) => w.re.test(stderr))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  })();
  const stdout = new Response(child.stdout).text();
  return {
    /** Resolves once stderr matches `re`. */
    saw(re: RegExp): Promise<void> {
      if (re.test(stderr)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
    async done() {
      const status = await child.status;
      await reading;
      const out = await stdout;
      return { code: status.code, stdout: out, stderr };
    },
  };
}

/** stdout as exactly one JSON document. */
function onlyJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout);
}

interface Pair extends AsyncDisposable {
  src: TempServerDb;
  dst: TempServerDb;
  dir: string;
}

/** A seeded source, an empty target with the schema, and a project whose prod and staging point at them. */
async function pair(events: number): Promise<Pair> {
  const src = await freshServerDb("cfsyncg");
  const dst = await freshServerDb("cfsyncg");
  await src.db.exec(
    SCHEMA + `
    INSERT INTO tb_user SELECT i, 'Name ' || i FROM generate_series(1, 100) i;
    INSERT INTO tb_event SELECT i, 1 + i % 100, repeat('x', 60) FROM generate_series(1, ${events}) i;
    ANALYZE;`,
  );
  await dst.db.exec(SCHEMA);
  const project = await tempProject({
    "db/anonymization.yaml": "rules:\n  tb_user.name: { strategy: keep }\n",
    ...envFiles(`${src.url}&application_name=${APP}`, `${dst.url}&application_name=${APP}`),
  });
  return {
    src,
    dst,
    dir: project.dir,
    async [Symbol.asyncDispose]() {
      await project[Symbol.asyncDispose]();
      await src[Symbol.asyncDispose]();
      await dst[Symbol.asyncDispose]();
    },
  };
}

function envFiles(prod: string, staging: string): Record<string, string> {
  return {
    "db/environments/prod.yaml": `database_url: "${prod}"\n`,
    "db/environments/staging.yaml": `database_url: "${staging}"\n`,
  };
}

const ADMIN = SERVER_URL ? parseDatabaseUrl(SERVER_URL, () => undefined) : undefined;
const PORT = ADMIN?.kind === "server" ? ADMIN.port : 5432;
const USER = ADMIN?.kind === "server" ? ADMIN.user : "root";

// Each pair names one database twice, in two spellings that a string comparison tells apart.
const SPELLINGS: { name: string; prod: (db: string) => string; staging: (db: string) => string }[] = [
  {
    name: "127.0.0.1 vs localhost",
    prod: (db) => `postgres://${USER}@127.0.0.1:${PORT}/${db}?sslmode=disable`,
    staging: (db) => `postgres://${USER}@localhost:${PORT}/${db}?sslmode=disable`,
  },
  {
    name: "a URL vs key=value",
    prod: (db) => `postgres://${USER}@127.0.0.1:${PORT}/${db}?sslmode=disable`,
    staging: (db) => `host=127.0.0.1 port=${PORT} user=${USER} dbname=${db} sslmode=disable`,
  },
  {
    name: "a unix socket vs TCP",
    prod: (db) => `postgres://${USER}@/${db}?host=/var/run/postgresql&port=${PORT}&sslmode=disable`,
    staging: (db) => `postgres://${USER}@127.0.0.1:${PORT}/${db}?sslmode=disable`,
  },
];

for (const spelling of SPELLINGS) {
  Deno.test({
    name: `sync refuses one database spelled two ways (${spelling.name}) and leaves the source intact`,
    ignore: NO_SERVER,
    async fn() {
      await using p = await pair(50);
      const db = p.src.name;
      for (const [path, text] of Object.entries(envFiles(spelling.prod(db), spelling.staging(db)))) {
        await Deno.writeTextFile(`${p.dir}/${path}`, text);
      }
      const r = await spawnCli(["sync", "--from", "prod", "--to", "staging", "--format", "json"], p.dir).done();
      assertEquals(r.code, 5, r.stderr + r.stdout);
      const body = onlyJson(r.stdout) as { ok: boolean; error: { code: string; message: string } };
      assertEquals([body.ok, body.error.code], [false, "SAME_DATABASE"]);
      for (const word of ['"prod"', '"staging"', db]) ok(body.error.message.includes(word), body.error.message);
      assertEquals([await count(p.src.db, "tb_user"), await count(p.src.db, "tb_event")], [100, 50]);
      const [{ t }] = await p.src.db.query<{ t: string | null }>(
        `SELECT to_regclass('confiture_sync_checkpoint')::text AS t`,
      );
      assertEquals(t, null, "nothing was written to the source");
    },
  });
}

Deno.test({
  name: "the sync library refuses a protected target and the same database before reading a row",
  ignore: NO_SERVER,
  async fn() {
    await using p = await pair(10);
    await p.dst.db.exec(`INSERT INTO tb_user VALUES (1, 'keep')`);
    const err = await syncDatabases(p.src.db, p.dst.db, {
      rules: new Map(),
      targetName: "locked",
      targetProtected: true,
    }).catch((e) => e);
    ok(err instanceof ConfigError && err.code === "SYNC_PROTECTED_TARGET", String(err));
    ok(err.message.includes('"locked"'), err.message);
    assertEquals(await count(p.dst.db, "tb_user"), 1);
    // A second pool on the source, as a library caller might open it by mistake.
    await using again = await openDatabase(
      parseDatabaseUrl(p.src.url.replace("127.0.0.1", "localhost"), () => undefined),
    );
    await rejects(
      syncDatabases(p.src.db, again, { rules: new Map(), sourceName: "prod", targetName: "copy" }),
      (e: ConfigError) => e.code === "SAME_DATABASE" && e.exitCode === 5,
    );
    assertEquals(await count(p.src.db, "tb_event"), 10);
  },
});

Deno.test("the sync library refuses one PGlite database as both source and target", async () => {
  const db = await freshPglite();
  try {
    await db.exec(SCHEMA + "INSERT INTO tb_user VALUES (1, 'a')");
    await rejects(syncDatabases(db, db, { rules: new Map() }), (e: ConfigError) => e.code === "SAME_DATABASE");
    assertEquals(await count(db, "tb_user"), 1);
  } finally {
    await db.close();
  }
});

/** Another session on `url`, holding whatever `sql` takes until `end()`. */
async function holdLock(url: string, sql: string) {
  const db = await openDatabase(parseDatabaseUrl(`${url}&application_name=lock_holder`, () => undefined), { max: 1 });
  const session = await db.reserve();
  await session.exec(`BEGIN; ${sql}`);
  return {
    pid: session.pid,
    async end() {
      await session.exec("COMMIT").catch(() => {});
      await session.release();
      await db.close();
    },
  };
}

Deno.test({
  name: "sync says who holds the lock it waits for, then gives up at --lock-timeout (exit 6), target unchanged",
  ignore: NO_SERVER,
  async fn() {
    await using p = await pair(200);
    await p.dst.db.exec(`INSERT INTO tb_user VALUES (7, 'already here')`);
    const holder = await holdLock(p.dst.url, "LOCK TABLE tb_user IN ACCESS EXCLUSIVE MODE");
    try {
      const run = spawnCli(["sync", "--from", "prod", "--to", "staging", "--lock-timeout", "3s", "-f", "json"], p.dir);
      await run.saw(/Waiting for .*\n/);
      const r = await run.done();
      assertEquals(r.code, 6, r.stderr + r.stdout);
      const line = r.stderr.split("\n").find((l) => l.startsWith("Waiting for"))!;
      for (const part of ["AccessExclusiveLock on tb_user", "the target (staging)", "emptying public.tb_user"]) {
        ok(line.includes(part), line);
      }
      ok(new RegExp(`held by pid ${holder.pid} \\(lock_holder from \\S+, query started 20`).test(line), line);
      const body = onlyJson(r.stdout) as {
        ok: boolean;
        error: { code: string; message: string; details: { holder: { pid: number }; tables_pending: string[] } };
      };
      assertEquals([body.ok, body.error.code, body.error.details.holder.pid], [false, "LOCK_TIMEOUT", holder.pid]);
      ok(
        body.error.message.startsWith("Gave up after 3 s waiting for a lock in the target (staging)"),
        body.error.message,
      );
      ok(body.error.message.includes(`held by pid ${holder.pid}`), body.error.message);
      assertEquals(body.error.details.tables_pending, ["public.tb_user", "public.tb_event"]);
    } finally {
      await holder.end();
    }
    // Nothing was emptied or loaded: the TRUNCATE never ran.
    assertEquals(await p.dst.db.query(`SELECT pk_user, name FROM tb_user`), [{ pk_user: 7, name: "already here" }]);
    assertEquals(await count(p.dst.db, "tb_event"), 0);
  },
});

Deno.test({
  name: "sync waiting on a row lock says so, and finishes once the holder commits",
  ignore: NO_SERVER,
  async fn() {
    await using p = await pair(200);
    await p.dst.db.exec(`INSERT INTO tb_user VALUES (7, 'locked row')`);
    const holder = await holdLock(p.dst.url, "SELECT * FROM tb_user WHERE pk_user = 7 FOR UPDATE");
    const run = spawnCli(["sync", "--from", "prod", "--to", "staging", "-f", "json"], p.dir);
    try {
      await run.saw(/Waiting for .*\n/);
    } finally {
      await holder.end();
    }
    const r = await run.done();
    assertEquals(r.code, 0, r.stderr);
    ok(
      /Waiting for AccessExclusiveLock on tb_user in the target \(staging\) .*held by pid \d+ \(lock_holder/.test(
        r.stderr,
      ),
      r.stderr,
    );
    assertEquals(await count(p.dst.db, "tb_event"), 200);
    assertEquals(await count(p.dst.db, "tb_user"), 100);
  },
});

const EVENTS = 300_000;

for (const side of ["source", "target"] as const) {
  Deno.test({
    name: `sync whose ${side} backends are terminated mid-COPY ends with CONNECTION_LOST (exit 3); --resume recovers`,
    ignore: NO_SERVER,
    async fn() {
      await using p = await pair(EVENTS);
      const run = spawnCli(["sync", "--from", "prod", "--to", "staging", "--verbose", "-f", "json"], p.dir);
      // The big table's first progress line: its COPY is under way on both sides.
      await run.saw(/public\.tb_event \[[#-]+\] [\d,]+\/[\d,]+ rows/);
      const victim = side === "source" ? p.src.name : p.dst.name;
      // Pick the pids first, then end exactly those: a filter beside pg_terminate_backend() in
      // one WHERE may be evaluated after it, on every backend of the server.
      const victims = await p.src.db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
        [victim, APP],
      );
      const killed = await p.src.db.query<{ pid: number }>(
        `SELECT pid FROM unnest($1::int[]) AS pid WHERE pg_terminate_backend(pid)`,
        [victims.map((v) => v.pid)],
      );
      ok(killed.length > 0, "a backend of the run was terminated");
      const r = await run.done();
      assertEquals(r.code, 3, r.stderr + r.stdout);
      const body = onlyJson(r.stdout) as {
        ok: boolean;
        error: { code: string; message: string; details: { side: string; tables_done: string[] } };
      };
      assertEquals([body.ok, body.error.code, body.error.details.side], [false, "CONNECTION_LOST", side]);
      const env = side === "source" ? "the source (prod)" : "the target (staging)";
      ok(
        body.error.message.startsWith(`Lost the connection to ${env} while loading public.tb_event`),
        body.error.message,
      );
      ok(body.error.message.includes("Finished: public.tb_user. Not finished: public.tb_event."), body.error.message);
      ok(!r.stderr.includes("TypeError"), r.stderr);

      assertEquals(await count(p.dst.db, "tb_user"), 100);
      assertEquals(await count(p.dst.db, "tb_event"), 0);
      const journal = await p.dst.db.query<{ table_name: string; rows: string | null; last_error: string | null }>(
        `SELECT table_name, rows::text AS rows, last_error FROM confiture_sync_checkpoint ORDER BY table_name`,
      );
      assertEquals(journal.map((j) => [j.table_name, j.rows]), [["public.tb_event", null], ["public.tb_user", "100"]]);
      assertEquals(journal[0].last_error, body.error.message);
      assertEquals(journal[1].last_error, null);

      const again = await spawnCli(["sync", "--from", "prod", "--to", "staging", "--resume", "-f", "json"], p.dir)
        .done();
      assertEquals(again.code, 0, again.stderr);
      const report = onlyJson(again.stdout) as {
        skipped: { name: string }[];
        tables: { name: string; rows: number }[];
      };
      assertEquals(report.skipped.map((t) => t.name), ["public.tb_user"]);
      assertEquals(report.tables.map((t) => [t.name, t.rows]), [["public.tb_event", EVENTS]]);
      assertEquals(await count(p.dst.db, "tb_event"), EVENTS);
      assertEquals(await count(p.src.db, "tb_event"), EVENTS);
      const [{ errors }] = await p.dst.db.query<{ errors: string }>(
        `SELECT count(last_error)::text AS errors FROM confiture_sync_checkpoint`,
      );
      assertEquals(errors, "0");
    },
  });
}
