/**
 * The scaffolding of the `migrate diff` end-to-end tests: a project whose `local` environment
 * points at `${DIFF_TEST_URL}`, the two engines a diff can prove on, and a project whose chain is
 * applied to a populated server database.
 *
 * @module
 */
import { assertEquals } from "./assert.ts";
import { runCli } from "./cli.ts";
import { freshServerDb, NO_SERVER, SERVER_URL } from "./db.ts";
import { type TempProject, tempProject } from "./project.ts";

/** The environment file of a diff test project (db/schema and db/migrations). */
export const DIFF_ENV = {
  "db/environments/local.yaml": "name: local\ndatabase_url: ${DIFF_TEST_URL}\nmigrations_dir: db/migrations\n" +
    "include_dirs:\n  - db/schema\n",
};

/** Where the diff builds its scratch databases: embedded PGlite, or the server (`--against`). */
export const DIFF_ENGINES = [
  { name: "pglite", against: [] as string[] },
  { name: "server", against: NO_SERVER ? [] : ["--against", SERVER_URL!] },
];

/** A project from `files`, its chain applied (`migrate up`) to a fresh server database, then `seed` run there. */
export async function populatedProject(files: Record<string, string>, prefix: string, seed: string) {
  const p: TempProject = await tempProject(files);
  const db = await freshServerDb(prefix);
  const env = { DIFF_TEST_URL: db.url };
  const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env });
  const up = await cli("migrate", "up");
  assertEquals(up.code, 0, up.stdout + up.stderr);
  await db.db.exec(seed);
  return {
    p,
    db,
    cli,
    async [Symbol.asyncDispose]() {
      await db[Symbol.asyncDispose]();
      await p[Symbol.asyncDispose]();
    },
  };
}
