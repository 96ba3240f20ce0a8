// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * Stress the migration lock: N rounds (default 100) of 8 concurrent `confiture migrate up`
 * processes against one fresh server database each, then count migrations applied more than
 * once. Prints `double applies: 0` when the lock holds.
 *
 * Run: `deno run -A scripts/concurrency.ts [rounds]` (CONFITURE_BENCH_DATABASE_URL selects the server).
 */
import { cli, createDb, dbUrl, dropDb, psql } from "./bench/_util.ts";

const rounds = Number(Deno.args[0] ?? "100");
const dir = await Deno.makeTempDir({ prefix: "confiture_concurrency_" });
await Deno.mkdir(`${dir}/db/migrations`, { recursive: true });
await Deno.writeTextFile(
  `${dir}/db/migrations/001_log.up.sql`,
  "CREATE TABLE run_log (version text);\nINSERT INTO run_log VALUES ('001');\n",
);
await Deno.writeTextFile(
  `${dir}/db/migrations/002_slow.up.sql`,
  "SELECT pg_sleep(0.1);\nINSERT INTO run_log VALUES ('002');\n",
);
await Deno.writeTextFile(
  `${dir}/db/migrations/003_table.up.sql`,
  "CREATE TABLE tb_x (id int);\nINSERT INTO run_log VALUES ('003');\n",
);

let doubles = 0;
let failures = 0;
for (let round = 1; round <= rounds; round++) {
  const name = await createDb("conc");
  try {
    const codes = await Promise.all(
      Array.from(
        { length: 8 },
        () => cli(["migrate", "up", "--database-url", dbUrl(name)], { cwd: dir, allow: [1, 3, 5, 6] }),
      ),
    );
    failures += codes.filter((c) => c !== 0).length;
    const out = await psql(dbUrl(name), ["-Atc", "SELECT count(*) - count(DISTINCT version) FROM run_log"]);
    doubles += Number(out.trim());
  } finally {
    await dropDb(name);
  }
  if (round % 10 === 0) {
    console.error(`round ${round}/${rounds}: double applies so far ${doubles}, failed processes ${failures}`);
  }
}
await Deno.remove(dir, { recursive: true });
console.log(`rounds: ${rounds}, processes: ${rounds * 8}, failed processes: ${failures}, double applies: ${doubles}`);
Deno.exit(doubles === 0 && failures === 0 ? 0 : 1);
