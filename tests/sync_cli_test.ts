/**
 * `confiture sync` and `sync check` as users run them: protected targets refused, the PII
 * check, the JSON report, and resuming after the process was killed mid-table.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import type { Database } from "../src/db/database.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const KEY = { CONFITURE_ANON_KEY: "cli-test-key-0123456789" };

const SCHEMA = `
CREATE TABLE tb_user (pk_user int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
CREATE TABLE tb_event (pk_event bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fk_user int NOT NULL REFERENCES tb_user, contact_email text, payload text);
`;

const PROFILE = `rules:
  tb_user.email: email
  tb_user.name: name
  tb_event.contact_email: email
`;

async function count(db: Database, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(n);
}

async function setup(events: number) {
  const src = await freshServerDb("cfsynccli");
  const dst = await freshServerDb("cfsynccli");
  await src.db.exec(
    SCHEMA + `
    INSERT INTO tb_user SELECT i, 'user' || i || '@corp.test', 'Name ' || i FROM generate_series(1, 100) i;
    INSERT INTO tb_event (fk_user, contact_email, payload)
      SELECT 1 + i % 100, 'user' || (1 + i % 100) || '@corp.test', repeat('x', 40) FROM generate_series(1, ${events}) i;
    ANALYZE;`,
  );
  await dst.db.exec(SCHEMA);
  const project = await tempProject({
    "db/environments/prod.yaml": `database_url: ${src.url}\n`,
    "db/environments/staging.yaml": `database_url: ${dst.url}\n`,
    "db/environments/locked.yaml": `database_url: ${dst.url}\nprotected: true\n`,
    "db/anonymization.yaml": PROFILE,
  });
  return {
    src,
    dst,
    project,
    async [Symbol.asyncDispose]() {
      await project[Symbol.asyncDispose]();
      await src[Symbol.asyncDispose]();
      await dst[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name: "sync refuses a protected target before touching it",
  ignore: NO_SERVER,
  async fn() {
    await using s = await setup(10);
    await s.dst.db.exec(`INSERT INTO tb_user VALUES (1, 'keep@x.test', 'Keep')`);
    const r = await runCli(["sync", "--from", "prod", "--to", "locked"], { cwd: s.project.dir, env: KEY });
    assertEquals(r.code, 5, r.stderr);
    ok(r.stderr.includes('Refusing to sync into protected environment "locked"'), r.stderr);
    assertEquals(await count(s.dst.db, "tb_user"), 1);
  },
});

Deno.test({
  name: "sync check fails on an unmasked email column, passes once a rule covers it",
  ignore: NO_SERVER,
  async fn() {
    await using s = await setup(10);
    await s.project.write("db/anonymization.yaml", "rules:\n  tb_user.name: name\n  tb_event.contact_email: email\n");
    const r = await runCli(["sync", "check", "--from", "prod", "--format", "json"], { cwd: s.project.dir });
    assertEquals(r.code, 5, r.stderr);
    const body = r.json<{ ok: boolean; unmasked: { column: string; kind: string }[] }>();
    assertEquals(body.ok, false);
    assertEquals(body.unmasked.map((u) => [u.column, u.kind]), [["public.tb_user.email", "email"]]);
    const text = await runCli(["sync", "check", "--from", "prod"], { cwd: s.project.dir });
    assertEquals(text.code, 5);
    ok(text.stdout.includes("public.tb_user.email"), text.stdout);
    // sync runs the same check and refuses.
    const refused = await runCli(["sync", "--from", "prod", "--to", "staging"], { cwd: s.project.dir, env: KEY });
    assertEquals(refused.code, 5, refused.stderr);
    ok(refused.stderr.includes("public.tb_user.email (text) looks like email"), refused.stderr);
    assertEquals(await count(s.dst.db, "tb_user"), 0);

    await s.project.write("db/anonymization.yaml", PROFILE);
    const passed = await runCli(["sync", "check", "--from", "prod"], { cwd: s.project.dir });
    assertEquals(passed.code, 0, passed.stdout + passed.stderr);
  },
});

Deno.test({
  name: "sync prints a JSON report, and a profile with problems is rejected with all of them (exit 5)",
  ignore: NO_SERVER,
  async fn() {
    await using s = await setup(1000);
    const dry = await runCli(["sync", "--from", "prod", "--to", "staging", "--dry-run", "--format", "json"], {
      cwd: s.project.dir,
      env: KEY,
    });
    assertEquals(dry.code, 0, dry.stderr);
    const plan = dry.json<{ dry_run: boolean; order: string[]; tables: { rows: number }[] }>();
    assertEquals([plan.dry_run, plan.order, plan.tables.map((t) => t.rows)], [
      true,
      ["public.tb_user", "public.tb_event"],
      [100, 1000],
    ]);
    assertEquals(await count(s.dst.db, "tb_user"), 0);
    const r = await runCli(["sync", "--from", "prod", "--to", "staging", "--format", "json"], {
      cwd: s.project.dir,
      env: KEY,
    });
    assertEquals(r.code, 0, r.stderr);
    const body = r.json<{
      tables: { name: string; rows: number; duration_ms: number; anonymized_columns: string[] }[];
      total_rows: number;
      rows_per_second: number;
      warnings: string[];
    }>();
    assertEquals(body.tables.map((t) => [t.name, t.rows, t.anonymized_columns]), [
      ["public.tb_user", 100, ["email", "name"]],
      ["public.tb_event", 1000, ["contact_email"]],
    ]);
    ok(body.tables.every((t) => typeof t.duration_ms === "number"));
    assertEquals(body.total_rows, 1100);
    ok(body.rows_per_second > 0);
    assertEquals(body.warnings, []);
    assertEquals(await count(s.dst.db, "tb_event"), 1000);

    // Globs pick tables; --anonymize adds a rule on the command line.
    const one = await runCli(
      [
        "sync",
        "--from",
        "prod",
        "--to",
        "staging",
        "--tables",
        "tb_e*",
        "--anonymize",
        "tb_event.payload:redact",
        "-f",
        "json",
      ],
      { cwd: s.project.dir, env: KEY },
    );
    assertEquals(one.code, 0, one.stderr);
    const only = one.json<{ tables: { name: string; anonymized_columns: string[] }[] }>().tables;
    assertEquals(only.map((t) => [t.name, t.anonymized_columns]), [["public.tb_event", ["contact_email", "payload"]]]);
    const [{ p }] = await s.dst.db.query<{ p: string }>(`SELECT DISTINCT payload AS p FROM tb_event`);
    assertEquals(p, "[REDACTED]");
    assertEquals(await count(s.dst.db, "tb_user"), 100);

    const noKey = await runCli(["sync", "--from", "prod", "--to", "staging"], { cwd: s.project.dir });
    assertEquals(noKey.code, 5);
    ok(noKey.stderr.includes("CONFITURE_ANON_KEY"), noKey.stderr);

    await s.project.write(
      "db/anonymization.yaml",
      "rules:\n  tb_user.email: emial\n  tb_user.name: { strategy: name, part: middle }\n",
    );
    const bad = await runCli(["sync", "--from", "prod", "--to", "staging"], { cwd: s.project.dir, env: KEY });
    assertEquals(bad.code, 5);
    ok(bad.stderr.includes("2 problems in db/anonymization.yaml"), bad.stderr);
    ok(bad.stderr.includes(":2: rules.tb_user.email"), bad.stderr);
    ok(bad.stderr.includes(":3: rules.tb_user.name.part"), bad.stderr);
  },
});

Deno.test({
  name: "sync --resume after the process was killed mid-table skips finished tables and reloads the interrupted one",
  ignore: NO_SERVER,
  async fn() {
    const EVENTS = 400_000;
    await using s = await setup(EVENTS);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MAIN, "sync", "--from", "prod", "--to", "staging", "--verbose"],
      cwd: s.project.dir,
      env: { NO_COLOR: "1", ...KEY },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // Kill as soon as the big table reports its first rows: its COPY is under way, uncommitted.
    let seen = "";
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      seen += text;
      if (/public\.tb_event \[[#-]+\] [\d,]+\/[\d,]+ rows/.test(seen)) break;
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.success, false, seen);
    assertEquals(await count(s.dst.db, "tb_user"), 100);
    assertEquals(await count(s.dst.db, "tb_event"), 0);
    const finished = await s.dst.db.query<{ table_name: string }>(`SELECT table_name FROM confiture_sync_checkpoint`);
    assertEquals(finished.map((r) => r.table_name), ["public.tb_user"]);

    const r = await runCli(["sync", "--from", "prod", "--to", "staging", "--resume", "--format", "json"], {
      cwd: s.project.dir,
      env: KEY,
    });
    assertEquals(r.code, 0, r.stderr);
    const body = r.json<{ tables: { name: string; rows: number }[]; skipped: { name: string; rows: number }[] }>();
    assertEquals(body.skipped, [{ name: "public.tb_user", rows: 100 }]);
    assertEquals(body.tables.map((t) => [t.name, t.rows]), [["public.tb_event", EVENTS]]);
    assertEquals(await count(s.dst.db, "tb_event"), EVENTS);
    const [{ n }] = await s.dst.db.query<{ n: string }>(`SELECT count(DISTINCT pk_event)::text AS n FROM tb_event`);
    assertEquals(Number(n), EVENTS);
  },
});
