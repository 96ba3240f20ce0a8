// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * Migrate benchmark: apply 200 and 1,000 generated migrations (one table plus one index each)
 * to fresh server databases with `confiture migrate up`, and in the same run the same SQL
 * through one `psql` session with one transaction per file (the floor).
 *
 * Each size runs `MIGRATE_ROUNDS` rounds (default 6), each run in its own empty database
 * (all created up front and dropped only at the end), after CHECKPOINT and sync. The side that
 * goes first alternates, so an even number of rounds gives both sides the same share of
 * whatever the machine does at that moment. The table
 * shows medians and one no-op `up` on the migrated database. A second table shows the median
 * `migrate status` latency (15 runs) beside, interleaved with it: psql running the same query;
 * `deno run` of an empty script; of a script that only imports the CLI's two libraries
 * (commander and postgres.js, `_stack_floor.ts`); and of one that imports postgres.js,
 * connects, reads the tracking table and prints (`_status_floor.ts`).
 *
 * Run: `deno task bench migrate` (env: MIGRATE_SIZES=200,1000, MIGRATE_ROUNDS=6)
 */
import { ADMIN_URL, cli, createDb, dbUrl, dropDb, median, psql, time } from "./_util.ts";

async function project(n: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_bench_migrate_" });
  await Deno.mkdir(`${dir}/db/migrations`, { recursive: true });
  const width = 4;
  for (let i = 1; i <= n; i++) {
    const v = String(i).padStart(width, "0");
    await Deno.writeTextFile(
      `${dir}/db/migrations/${v}_create_t${i}.up.sql`,
      `CREATE TABLE t${i} (\n  id bigint PRIMARY KEY,\n  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX t${i}_name_idx ON t${i} (name);\n`,
    );
    await Deno.writeTextFile(`${dir}/db/migrations/${v}_create_t${i}.down.sql`, `DROP TABLE t${i};\n`);
  }
  return dir;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

// Dropping the previous round's databases leaves the OS writing back and unlinking thousands of
// files; without waiting for that, whichever side runs first in a round pays for it.
async function settle(): Promise<void> {
  await psql(ADMIN_URL, ["-c", "CHECKPOINT"]);
  await new Deno.Command("sync").output();
  await psql(ADMIN_URL, ["-c", "CHECKPOINT"]);
}

/** Run the benchmark and print its figures. */
export async function main(): Promise<void> {
  const sizes = (Deno.env.get("MIGRATE_SIZES") ?? "200,1000").split(",").map(Number);
  const rounds = Number(Deno.env.get("MIGRATE_ROUNDS") ?? 6);
  const rows: string[] = [];
  const statusRows: string[] = [];
  // Every database is created before the runs that use it, and all are dropped at the end: on
  // ext4, creating files within ~30 s of deleting thousands (a dropped database) goes through
  // the allocator's scan for recently deleted inodes, which made whichever run followed a drop
  // 1.3-1.5x slower (seen in the kernel profile of the server backend).
  const databases: string[] = [];
  try {
    for (const n of sizes) await measure(n, rounds, databases, rows, statusRows);
  } finally {
    for (const db of databases) await dropDb(db);
  }
  console.log(
    "| migrations | rounds | psql median (1 session, 1 tx per file) | confiture migrate up median | ratio | no-op up |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log();
  console.log(
    "| migrations | confiture status median | psql, same query | deno run, empty script | deno run, import commander + postgres.js | deno run, import postgres.js + connect + same query |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of statusRows) console.log(r);
}

async function measure(n: number, rounds: number, databases: string[], rows: string[], statusRows: string[]) {
  const dir = await project(n);
  const files = [...Deno.readDirSync(`${dir}/db/migrations`)].map((e) => e.name).filter((f) => f.endsWith(".up.sql"))
    .sort();
  const script = files.map((f) => `BEGIN;\n\\i ${dir}/db/migrations/${f}\nCOMMIT;\n`).join("");
  await Deno.writeTextFile(`${dir}/all.psql`, script);
  const floors: number[] = [];
  const ours: number[] = [];
  // Each measured run gets its own empty database and a settled server, so both sides start
  // from the same state whichever goes first.
  const floorDbs: string[] = [];
  const ourDbs: string[] = [];
  for (let r = 0; r < rounds; r++) {
    floorDbs.push(await createDb("bench_mig_psql"));
    databases.push(floorDbs[r]);
    ourDbs.push(await createDb("bench_mig_conf"));
    databases.push(ourDbs[r]);
  }
  try {
    for (let r = 0; r < rounds; r++) {
      const runFloor = async () => {
        await settle();
        floors.push(await time(() => psql(dbUrl(floorDbs[r]), ["-f", `${dir}/all.psql`])));
      };
      const runOurs = async () => {
        await settle();
        ours.push(await time(() => cli(["migrate", "up", "--database-url", dbUrl(ourDbs[r])], { cwd: dir })));
      };
      if (r % 2 === 0) {
        await runFloor();
        await runOurs();
      } else {
        await runOurs();
        await runFloor();
      }
      console.error(`n=${n} round ${r + 1}: psql ${fmt(floors.at(-1)!)}, confiture ${fmt(ours.at(-1)!)}`);
    }
    const migrated = ourDbs[rounds - 1];
    const denoRun = (script: string, ...args: string[]) =>
      time(() =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--quiet", new URL(script, import.meta.url).pathname, ...args],
          stdout: "null",
        }).output()
      );
    const statuses: number[] = [];
    const denoFloor: number[] = [];
    const psqlStatus: number[] = [];
    const empty: number[] = [];
    const stack: number[] = [];
    // Interleaved, so that a slow spell of the machine lands on every column alike.
    for (let i = 0; i < 15; i++) {
      statuses.push(await time(() => cli(["migrate", "status", "--database-url", dbUrl(migrated)], { cwd: dir })));
      denoFloor.push(await denoRun("./_status_floor.ts", dbUrl(migrated)));
      psqlStatus.push(
        await time(() =>
          psql(dbUrl(migrated), ["-c", "SELECT version, applied_at FROM tb_confiture ORDER BY version"])
        ),
      );
      empty.push(await denoRun("./_empty.ts"));
      stack.push(await denoRun("./_stack_floor.ts"));
    }
    statusRows.push(
      `| ${n} | ${fmt(median(statuses))} | ${fmt(median(psqlStatus))} | ${fmt(median(empty))} | ${
        fmt(median(stack))
      } | ${fmt(median(denoFloor))} |`,
    );
    const noop = await time(() => cli(["migrate", "up", "--database-url", dbUrl(migrated)], { cwd: dir }));
    const floor = median(floors);
    const conf = median(ours);
    rows.push(
      `| ${n} | ${rounds} | ${fmt(floor)} | ${fmt(conf)} | ${(conf / floor).toFixed(2)}× | ${fmt(noop)} |`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
