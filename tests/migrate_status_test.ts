/**
 * `migrate status` never hides a problem: an applied migration whose file is gone or whose up
 * part was edited, a tracking row recording another name, an edited down; it names the database
 * it read (never the password) and stops a deploy script (exit 5) when the folder no longer
 * matches what ran. Server and PGlite.
 */
import { assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const FILES: Record<string, string> = {};
for (const i of [1, 2, 3, 4]) {
  FILES[`db/migrations/00${i}_t${i}.up.sql`] = `CREATE TABLE t${i} (id int);\n`;
  FILES[`db/migrations/00${i}_t${i}.down.sql`] = `DROP TABLE t${i};\n`;
}

async function scenario(url: string, label: string) {
  await using p = await tempProject({ ...FILES, "db/environments/test.yaml": `name: test\ndatabase_url: ${url}\n` });
  const run = (...args: string[]) => runCli([...args, "--env", "test"], { cwd: p.dir, env: { NO_COLOR: "1" } });
  assertEquals((await run("migrate", "up")).code, 0);
  const clean = await run("migrate", "status", "--format", "json");
  assertEquals([clean.code, clean.json().ok, clean.json().initialized], [0, true, true]);

  await Deno.remove(`${p.dir}/db/migrations/001_t1.up.sql`);
  await Deno.remove(`${p.dir}/db/migrations/001_t1.down.sql`);
  await Deno.writeTextFile(`${p.dir}/db/migrations/002_t2.up.sql`, "CREATE TABLE t2 (id int, x int);\n");
  await Deno.rename(`${p.dir}/db/migrations/003_t3.up.sql`, `${p.dir}/db/migrations/003_renamed.up.sql`);
  await Deno.rename(`${p.dir}/db/migrations/003_t3.down.sql`, `${p.dir}/db/migrations/003_renamed.down.sql`);
  await Deno.writeTextFile(`${p.dir}/db/migrations/004_t4.down.sql`, "DROP TABLE IF EXISTS t4;\n");
  await Deno.writeTextFile(`${p.dir}/db/migrations/005_t5.up.sql`, "CREATE TABLE t5 (id int);\n");

  const text = await run("migrate", "status");
  assertEquals(text.code, 5, text.stderr);
  for (
    const line of [
      "001_t1      ! missing file",
      "002_t2      ! edited since applied",
      "003_renamed ✓ applied (recorded as t3)",
      "004_t4      ✓ applied (down edited)",
      "005_t5      ✗ pending",
      "001_t1: applied, but its file is gone",
      "002_t2: its up file changed since it was applied",
      "`confiture migrate verify --accept`",
      `4 applied (1 missing, 1 edited), 1 pending (public.tb_confiture on ${label})`,
    ]
  ) {
    assertStringIncludes(text.stdout.replace(/ +/g, " "), line.replace(/ +/g, " "));
  }

  const json = await run("migrate", "status", "--format", "json");
  assertEquals(json.code, 5);
  type Status = { ok: boolean; database: string; initialized: boolean; summary: unknown; migrations: Row[] };
  type Row = Record<string, unknown>;
  const st = json.json<Status>();
  assertEquals([st.ok, st.database, st.initialized], [false, label, true]);
  assertEquals(st.summary, { applied: 4, pending: 1, total: 5, missing: 1, edited: 1 });
  assertEquals(
    st.migrations.map((m) => [m.version, m.status, m.recorded_name, m.down_edited]),
    [
      ["001", "missing", undefined, undefined],
      ["002", "edited", undefined, undefined],
      ["003", "applied", "t3", undefined],
      ["004", "applied", undefined, true],
      ["005", "pending", undefined, undefined],
    ],
  );

  // Recording the edit and restoring the file make status clean again: pending only → exit 1.
  assertEquals((await run("migrate", "verify", "--accept")).code, 1); // 001 is still missing
  await Deno.writeTextFile(`${p.dir}/db/migrations/001_t1.up.sql`, FILES["db/migrations/001_t1.up.sql"]);
  const after = await run("migrate", "status", "--format", "json");
  const a = after.json<{ ok: boolean; summary: { edited: number; missing: number } }>();
  assertEquals([after.code, a.ok, a.summary.edited, a.summary.missing], [1, true, 0, 0]);
  return text.stdout + text.stderr + json.stdout;
}

Deno.test({
  name: "[server] status shows missing, edited, renamed and down-edited migrations, names the database, exits 5",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    const withPassword = db.url.replace("://root@", "://root:s3cret-pw@");
    const shown = await scenario(withPassword, db.url.replace(/\?.*$/, ""));
    assertNotIncludes(shown, "s3cret-pw");
  },
});

Deno.test("[pglite] status shows missing, edited, renamed and down-edited migrations, names the database, exits 5", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await scenario(`pglite:${dir}/db`, `pglite:${dir}/db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
