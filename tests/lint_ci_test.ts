/**
 * `confiture lint` in CI: `--changed-since REF` lints only what changed since a git ref, and
 * `--format github` prints workflow annotations on the files' lines.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
}

const ENV = "name: local\ndatabase_url: pglite:memory\nmigrations_dir: db/migrations\n";

Deno.test("lint --changed-since: shipped history is not linted again; edits, new files and downs are", async () => {
  await using p = await tempProject({
    "db/environments/local.yaml": ENV,
    "db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n",
    "db/migrations/001_t.down.sql": "DROP TABLE t;\n",
    // Offline each migration is its own batch: t is an existing table here.
    "db/migrations/002_t_idx.up.sql": "CREATE INDEX t_idx ON t (id);\n",
    "db/migrations/002_t_idx.down.sql": "DROP INDEX t_idx;\n",
  });
  await git(p.dir, "init", "-q");
  await git(p.dir, "add", ".");
  await git(p.dir, "commit", "-qm", "history");

  const all = await runCli(["lint", "-f", "json"], { cwd: p.dir });
  assertEquals(all.code, 1, all.stdout);

  await p.write("db/migrations/003_u.up.sql", "CREATE TABLE u (id int);\n");
  await p.write("db/migrations/003_u.down.sql", "DROP TABLE u;\n");
  const fresh = await runCli(["lint", "--changed-since", "HEAD", "-f", "json"], { cwd: p.dir });
  assertEquals(fresh.code, 0, fresh.stdout + fresh.stderr);
  assertEquals(fresh.json<{ findings: unknown[] }>().findings, []);
  assertStringIncludes((await runCli(["lint", "--changed-since", "HEAD"], { cwd: p.dir })).stdout, "1 migration");

  // Touching only the down of 002 brings 002 back into the lint.
  await p.write("db/migrations/002_t_idx.down.sql", "DROP INDEX IF EXISTS t_idx;\n");
  const touched = await runCli(["lint", "--changed-since", "HEAD", "-f", "json"], { cwd: p.dir });
  assertEquals(touched.code, 1);
  assertEquals(
    touched.json<{ findings: { rule: string; file: string }[] }>().findings.map((f) => [f.rule, f.file]),
    [["create-index-non-concurrent", "db/migrations/002_t_idx.up.sql"]],
  );

  const bad = await runCli(["lint", "--changed-since", "no-such-ref", "-f", "json"], { cwd: p.dir });
  assertEquals(bad.code, 5);
  assertStringIncludes(bad.json<{ error: { message: string } }>().error.message, "no-such-ref");
});

Deno.test("lint --format github: one annotation per finding, escaped, paths from the repository root", async () => {
  await using p = await tempProject({
    "app/db/environments/local.yaml": ENV,
    "app/db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n",
    "app/db/migrations/002_t_idx.up.sql": "\n\nCREATE INDEX t_idx ON t (id);\n",
  });
  await git(p.dir, "init", "-q");
  const res = await runCli(["lint", "--format", "github"], { cwd: `${p.dir}/app` });
  assertEquals(res.code, 1, res.stderr);
  const lines = res.stdout.trimEnd().split("\n");
  const error = lines.find((l) => l.startsWith("::error "));
  assert(error, res.stdout);
  assert(
    error.startsWith(
      "::error file=app/db/migrations/002_t_idx.up.sql,line=3,col=1,title=confiture lint [create-index-non-concurrent]::",
    ),
    error,
  );
  assertStringIncludes(error, "%0Awhy: ");
  assert(!error.slice(2).includes("\n"), "one line");
  assert(lines.every((l) => l.startsWith("::")), `only annotations on stdout:\n${res.stdout}`);
  assertStringIncludes(res.stderr, "1 error");
});
