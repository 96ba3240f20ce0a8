// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * Migrate benchmark: apply 200 and 1,000 generated migrations (one table plus one index each)
 * to fresh server databases with `confiture migrate up`, and in the same run the same SQL
 * through one `psql` session with one transaction per file (the floor). Prints the ratio, then
 * the median `migrate status` latency on the migrated database.
 *
 * Run: `deno task bench migrate`
 */
import { cli, createDb, dbUrl, dropDb, median, psql, time } from "./_util.ts";

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

/** Run the benchmark and print its figures. */
export async function main(): Promise<void> {
  const rows: string[] = [];
  for (const n of [200, 1000]) {
    const dir = await project(n);
    const files = [...Deno.readDirSync(`${dir}/db/migrations`)].map((e) => e.name).filter((f) => f.endsWith(".up.sql"))
      .sort();
    const script = files.map((f) => `BEGIN;\n\\i ${dir}/db/migrations/${f}\nCOMMIT;\n`).join("");
    await Deno.writeTextFile(`${dir}/all.psql`, script);
    const floorDb = await createDb("bench_mig_psql");
    const ourDb = await createDb("bench_mig_conf");
    try {
      const floor = await time(() => psql(dbUrl(floorDb), ["-f", `${dir}/all.psql`]));
      const ours = await time(() => cli(["migrate", "up", "--database-url", dbUrl(ourDb)], { cwd: dir }));
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        statuses.push(await time(() => cli(["migrate", "status", "--database-url", dbUrl(ourDb)], { cwd: dir })));
      }
      const noop = await time(() => cli(["migrate", "up", "--database-url", dbUrl(ourDb)], { cwd: dir }));
      rows.push(
        `| ${n} | ${floor.toFixed(0)} ms | ${ours.toFixed(0)} ms | ${(ours / floor).toFixed(2)}× | ${
          median(statuses).toFixed(0)
        } ms | ${noop.toFixed(0)} ms |`,
      );
      console.error(`n=${n}: psql ${floor.toFixed(0)} ms, confiture ${ours.toFixed(0)} ms`);
    } finally {
      await dropDb(floorDb);
      await dropDb(ourDb);
      await Deno.remove(dir, { recursive: true });
    }
  }
  console.log(
    "| migrations | psql (1 session, 1 tx per file) | confiture migrate up | ratio | status median | no-op up |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
}

if (import.meta.main) await main();
