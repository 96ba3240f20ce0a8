// deno-lint-ignore-file no-console -- a bench script reports on the terminal
/**
 * Schema-to-schema benchmark: copy a 1M-row table from one database to another with the
 * batched `fdw` and `copy` strategies (10,000-row batches, a checkpoint per batch, progress
 * events on), against the floor of one `INSERT … SELECT` over the same foreign table run by
 * psql, in the same run.
 *
 * `deno task bench s2s` (env: CONFITURE_BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres;
 * S2S_ROWS, default 1000000; S2S_REPEAT, default 3).
 */
import { openDatabase } from "../../src/db/open.ts";
import type { Database } from "../../src/db/database.ts";
import { parseDatabaseUrl, type ServerTarget } from "../../src/db/url.ts";
import {
  type DataPath,
  migrateTable,
  parseMappingFile,
  planTables,
  setupForeignServer,
  type TablePlan,
} from "../../src/schema_to_schema/mod.ts";
import { median, time as timeIt } from "./_util.ts";

const ADMIN_URL = Deno.env.get("CONFITURE_BENCH_DATABASE_URL") ?? "postgres://root@127.0.0.1:5432/postgres";
const ROWS = Number(Deno.env.get("S2S_ROWS") ?? 1_000_000);
const REPEAT = Number(Deno.env.get("S2S_REPEAT") ?? 3);
const BATCH = 10_000;
const STRATEGIES = (Deno.env.get("S2S_STRATEGIES") ?? "fdw,copy").split(",") as DataPath[];

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function target(url: string): ServerTarget {
  return parseDatabaseUrl(url, (n) => Deno.env.get(n)) as ServerTarget;
}

const SOURCE_DDL = `CREATE TABLE events (
  id bigint PRIMARY KEY, account_id integer NOT NULL, kind text NOT NULL, payload text NOT NULL,
  amount numeric(12, 2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO events SELECT g, g % 5000, CASE WHEN g % 3 = 0 THEN 'click' ELSE 'view' END,
  md5(g::text) || md5((g * 7)::text), (g % 100000) / 100.0, timestamptz '2024-01-01' + g * interval '1 second'
  FROM generate_series(1, ${ROWS}) g;
ANALYZE events;`;

const TARGET_DDL = `CREATE TABLE tb_event (
  pk_event bigint PRIMARY KEY, fk_account integer NOT NULL, event_kind text NOT NULL, payload text NOT NULL,
  amount numeric(12, 2) NOT NULL, occurred_at timestamptz NOT NULL)`;

const MAPPING = `tables:
  tb_event:
    source: events
    columns:
      pk_event: id
      fk_account: account_id
      event_kind: kind
      payload: payload
      amount: amount
      occurred_at: created_at
`;

const FLOOR_SQL = `INSERT INTO tb_event (pk_event, fk_account, event_kind, payload, amount, occurred_at)
  SELECT id, account_id, kind, payload, amount, created_at FROM confiture_source.events`;

async function psql(url: string, sql: string): Promise<void> {
  const out = await new Deno.Command("psql", { args: [url, "-v", "ON_ERROR_STOP=1", "-qc", sql], stdout: "null" })
    .output();
  if (!out.success) throw new Error(`psql failed: ${new TextDecoder().decode(out.stderr)}`);
}

async function reset(db: Database): Promise<void> {
  await db.exec("TRUNCATE tb_event; DELETE FROM confiture_source.confiture_checkpoint; CHECKPOINT");
}

/** Run the benchmark and print a table of medians and ratios. */
export async function main(): Promise<void> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const [srcName, tgtName] = [`bench_s2s_src_${suffix}`, `bench_s2s_tgt_${suffix}`];
  const admin = await openDatabase(target(ADMIN_URL), { max: 1 });
  await admin.exec(`CREATE DATABASE ${srcName}`);
  await admin.exec(`CREATE DATABASE ${tgtName}`);
  const source = await openDatabase(target(urlFor(srcName)));
  const dest = await openDatabase(target(urlFor(tgtName)));
  try {
    console.error(`s2s: loading ${ROWS} rows…`);
    await source.exec(SOURCE_DDL);
    await dest.exec(TARGET_DDL);
    await setupForeignServer(dest, { user: "root", database: tgtName }, source, target(urlFor(srcName)), {
      staging: "confiture_source",
      schemas: ["public"],
    });
    const mapping = parseMappingFile(MAPPING, "bench");
    const plans: Record<DataPath, TablePlan> = {
      fdw: (await planTables(source, dest, mapping, { strategy: "fdw" }))[0],
      copy: (await planTables(source, dest, mapping, { strategy: "copy" }))[0],
    };
    const times: Record<string, number[]> = { floor: [], fdw: [], copy: [] };
    let progressEvents = 0;
    let lastLine = 0;
    const onEvent = (e: { type: string; done?: number; total?: number }) => {
      progressEvents++;
      // Render like the CLI does: at most one line a second on stderr.
      if (performance.now() - lastLine > 1000) {
        lastLine = performance.now();
        console.error(`  ${e.done}/${e.total} rows`);
      }
    };
    for (let i = 0; i < REPEAT; i++) {
      await reset(dest);
      times.floor.push(await timeIt(() => psql(urlFor(tgtName), FLOOR_SQL)));
      for (const strategy of STRATEGIES) {
        await reset(dest);
        times[strategy].push(
          await timeIt(() =>
            migrateTable({ source, target: dest }, plans[strategy], {
              staging: "confiture_source",
              batchSize: BATCH,
              throttleMs: 0,
              resume: false,
              restart: false,
              onEvent,
            })
          ),
        );
        const [{ n }] = await dest.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_event");
        if (n !== ROWS) throw new Error(`${strategy} copied ${n} rows, expected ${ROWS}`);
      }
      console.error(
        `s2s run ${i + 1}: floor ${times.floor[i].toFixed(0)} ms, ${
          STRATEGIES.map((s) => `${s} ${times[s][i].toFixed(0)} ms`).join(", ")
        }`,
      );
    }
    const floor = median(times.floor);
    console.log(
      `\nSchema-to-schema, ${ROWS} rows, batches of ${BATCH}, median of ${REPEAT} (${progressEvents} progress events)`,
    );
    console.log(`| Path | Median ms | Rows/s | × floor |`);
    console.log(`|---|---:|---:|---:|`);
    for (
      const [label, key] of [["floor: psql, one INSERT … SELECT over the foreign table", "floor"], [
        "confiture fdw (batched, checkpointed)",
        "fdw",
      ], ["confiture copy (batched, checkpointed)", "copy"]] as const
    ) {
      if (times[key].length === 0) continue;
      const m = median(times[key]);
      console.log(`| ${label} | ${m.toFixed(0)} | ${Math.round(ROWS / (m / 1000))} | ${(m / floor).toFixed(2)} |`);
    }
  } finally {
    await dest.close();
    await source.close();
    await admin.exec(`DROP DATABASE IF EXISTS ${tgtName} WITH (FORCE)`);
    await admin.exec(`DROP DATABASE IF EXISTS ${srcName} WITH (FORCE)`);
    await admin.close();
  }
}

if (import.meta.main) await main();
