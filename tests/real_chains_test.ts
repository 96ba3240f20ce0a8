/**
 * Real-shaped migration chains run as committed. Each fixture under `tests/fixtures/chains/`
 * reproduces the layout and habits of a family of public projects (see the README there):
 * applied on an empty server database, rolled back ten migrations and applied again, the
 * schema must come back identical to the byte in `pg_dump -s`.
 *
 * @module
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const FIXTURES = new URL("./fixtures/chains/", import.meta.url).pathname;

async function copyChain(name: string, into: string): Promise<number> {
  await Deno.mkdir(into, { recursive: true });
  const files = new Set<string>();
  for await (const e of Deno.readDir(`${FIXTURES}${name}`)) {
    if (!e.isFile) continue;
    await Deno.copyFile(`${FIXTURES}${name}/${e.name}`, `${into}/${e.name}`);
    files.add(e.name.match(/^\d+/)![0]); // migrations are versions: an up and a down may carry different names
  }
  return files.size;
}

async function dumpSchema(dbName: string): Promise<string> {
  const url = Deno.env.get("CONFITURE_TEST_DATABASE_URL")!;
  const u = new URL(url);
  const out = await new Deno.Command("pg_dump", {
    args: ["-s", "--no-owner", "--no-privileges", "-h", u.hostname, "-p", u.port || "5432", "-U", u.username, dbName],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  // pg_dump 15+ prints a random \restrict key on some builds; nothing else varies between runs.
  return new TextDecoder().decode(out.stdout).replace(/^\\(un)?restrict .*$/gm, "");
}

for (const chain of ["golang_migrate", "goose", "sqlx"]) {
  Deno.test({
    name: `real-shaped chain ${chain}: up on an empty database, down 10, up again → identical pg_dump -s`,
    ignore: NO_SERVER,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using db = await freshServerDb("chain");
      await using project = await tempProject({
        "db/environments/local.yaml": `name: local\ndatabase_url: ${db.url}\nmigrations_dir: db/migrations\n`,
      });
      const count = await copyChain(chain, `${project.dir}/db/migrations`);
      assert(count >= 12, `${chain} has ${count} migrations`);

      const up = await runCli(["migrate", "up", "--format", "json"], { cwd: project.dir });
      assertEquals(up.code, 0, `${chain} first up:\n${up.stdout}\n${up.stderr}`);
      assertEquals((up.json<{ applied: string[] }>()).applied.length, count);
      const first = await dumpSchema(db.name);

      const down = await runCli(["migrate", "down", "--steps", "10", "--format", "json"], { cwd: project.dir });
      assertEquals(down.code, 0, `${chain} down 10:\n${down.stdout}\n${down.stderr}`);
      const status = await runCli(["migrate", "status", "--format", "json"], { cwd: project.dir });
      assertEquals(status.code, 1, status.stderr);
      assertEquals(status.json<{ summary: { pending: number } }>().summary.pending, 10);

      const again = await runCli(["migrate", "up", "--format", "json"], { cwd: project.dir });
      assertEquals(again.code, 0, `${chain} second up:\n${again.stdout}\n${again.stderr}`);
      assertEquals((again.json<{ applied: string[] }>()).applied.length, 10);
      assertEquals(await dumpSchema(db.name), first, `${chain}: the schema after down 10 and up differs`);
    },
  });
}

// Harbor-shaped: a later file writes to golang-migrate's own history table, which that tool
// creates before the first file and Confiture never does. The failure must say so.
for (const backend of ["server", "pglite"] as const) {
  Deno.test({
    name: `a chain that alters golang-migrate's schema_migrations fails with a hint naming the tool (${backend})`,
    ignore: backend === "server" && NO_SERVER,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using db = backend === "server" ? await freshServerDb("chain") : undefined;
      await using project = await tempProject({
        "db/environments/local.yaml": `name: local\ndatabase_url: ${db?.url ?? "pglite:memory"}\n` +
          `migrations_dir: db/migrations\n`,
        "db/migrations/0001_initial.up.sql": "CREATE TABLE project (id serial PRIMARY KEY, name text);\n",
        "db/migrations/0002_data_version.up.sql": "/* record the data version */\n" +
          "ALTER TABLE schema_migrations ADD COLUMN data_version int;\n",
      });
      const up = await runCli(["migrate", "up", "--format", "json"], { cwd: project.dir });
      assertEquals(up.code, 1, up.stderr);
      const out = up.json<{ applied: string[]; errors: { file: string; line: number; hint: string | null }[] }>();
      assertEquals(out.applied, ["0001"]);
      assertEquals(out.errors[0].file, "db/migrations/0002_data_version.up.sql");
      assertEquals(out.errors[0].line, 2);
      assert(out.errors[0].hint?.includes("golang-migrate"), `hint: ${out.errors[0].hint}`);
      const text = await runCli(["migrate", "up"], { cwd: project.dir });
      assert(
        text.stderr.includes("hint: schema_migrations is golang-migrate's or dbmate's history table"),
        text.stderr,
      );
    },
  });
}
