/**
 * Habits users bring from other tools: colours only on a terminal (NO_COLOR, --no-color,
 * TERM=dumb and pipes turn them off), progress redrawn in place only on a terminal, --quiet and
 * --verbose anywhere on the command line, and protected environments that ask on a terminal and
 * never wait for input elsewhere.
 *
 * A terminal is given by `script(1)`, which runs the command on a pseudo-terminal.
 *
 * @module
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ESC = "\x1b[";
const hasScript = await new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" }).output()
  .then((o) => o.success, () => false);

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Run the CLI on a pseudo-terminal; stdout and stderr arrive mixed, as on a screen. */
async function runOnTerminal(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<{ code: number; output: string }> {
  const command = [Deno.execPath(), "run", "-A", "--quiet", MAIN, ...args].map(quote).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: options.cwd,
    env: { TERM: "xterm-256color", NO_COLOR: "", ...options.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.input ?? ""));
  await writer.close();
  const out = await child.output();
  return { code: out.code, output: new TextDecoder().decode(out.stdout) };
}

const MIGRATIONS = {
  "db/migrations/001_create_tb_user.up.sql": "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, email text);\n",
  "db/migrations/001_create_tb_user.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_add_name.up.sql": "ALTER TABLE tb_user ADD COLUMN name text;\n",
  "db/migrations/002_add_name.down.sql": "ALTER TABLE tb_user DROP COLUMN name;\n",
};

async function appliedVersions(cwd: string, env = "local"): Promise<string[]> {
  const res = await runCli(["migrate", "status", "--env", env, "--format", "json"], { cwd });
  return res.json<{ applied: string[] }>().applied;
}

Deno.test({
  name: "habits: colours on a terminal; none with NO_COLOR, --no-color, TERM=dumb or a pipe",
  ignore: NO_SERVER || !hasScript,
  async fn() {
    await using db = await freshServerDb("cft_habits");
    await using p = await tempProject({ "db/environments/local.yaml": `database_url: "${db.url}"\n`, ...MIGRATIONS });
    const status = ["migrate", "status"];
    const tty = await runOnTerminal(status, { cwd: p.dir });
    assertEquals(tty.code, 2, tty.output); // tracking table absent
    await runCli(["migrate", "up", "--steps", "1"], { cwd: p.dir });
    const coloured = await runOnTerminal(status, { cwd: p.dir });
    assertStringIncludes(coloured.output, `${ESC}33m✗ pending${ESC}0m`);
    assertStringIncludes(coloured.output, `${ESC}32m✓ applied${ESC}0m`);

    for (
      const [label, args, env] of [
        ["NO_COLOR=1", status, { NO_COLOR: "1" }],
        ["--no-color", [...status, "--no-color"], {}],
        ["--no-color before the command", ["--no-color", ...status], {}],
        ["TERM=dumb", status, { TERM: "dumb" }],
      ] as const
    ) {
      const plain = await runOnTerminal([...args], { cwd: p.dir, env });
      assertEquals(plain.code, 1, `${label}: ${plain.output}`);
      assertStringIncludes(plain.output, "✗ pending", label);
      assertNotIncludes(plain.output, ESC, label);
    }
    const piped = await runCli(status, { cwd: p.dir, env: { NO_COLOR: "", TERM: "xterm-256color" } });
    assertStringIncludes(piped.stdout, "✗ pending");
    assertNotIncludes(piped.stdout + piped.stderr, ESC, "a pipe");
  },
});

Deno.test({
  name: "habits: progress is redrawn in place on a terminal and printed as plain lines in a pipe",
  ignore: NO_SERVER || !hasScript,
  async fn() {
    await using src = await freshServerDb("cft_habits");
    await using dst = await freshServerDb("cft_habits");
    const ddl = "CREATE TABLE tb_measure (pk_measure int PRIMARY KEY, value int NOT NULL);";
    await src.db.exec(`${ddl} INSERT INTO tb_measure SELECT i, i * 2 FROM generate_series(1, 2000) i; ANALYZE;`);
    await dst.db.exec(ddl);
    await using p = await tempProject({
      "db/environments/prod.yaml": `database_url: "${src.url}"\n`,
      "db/environments/staging.yaml": `database_url: "${dst.url}"\n`,
      "db/anonymization.yaml": "rules: {}\n",
    });
    const sync = ["sync", "--from", "prod", "--to", "staging"];
    const tty = await runOnTerminal(sync, { cwd: p.dir });
    assertEquals(tty.code, 0, tty.output);
    assertStringIncludes(tty.output, "\r\x1b[2Kpublic.tb_measure", "a terminal redraws the line");

    await dst.db.exec("TRUNCATE tb_measure");
    const piped = await runCli(sync, { cwd: p.dir, env: { NO_COLOR: "" } });
    assertEquals(piped.code, 0, piped.stderr);
    assertNotIncludes(piped.stderr, "\r", "a pipe gets no carriage returns");
    assertNotIncludes(piped.stderr, ESC, "a pipe gets no escapes");
    assert(/public\.tb_measure .*2,000 rows in /.test(piped.stderr), `one finished line per table:\n${piped.stderr}`);

    await dst.db.exec("TRUNCATE tb_measure");
    const quiet = await runCli([...sync, "--quiet"], { cwd: p.dir });
    assertEquals([quiet.code, quiet.stderr], [0, ""], "--quiet: no progress at all");
    assertStringIncludes(quiet.stdout, "2,000");
  },
});

Deno.test({
  name: "habits: --quiet leaves only results and errors, --verbose adds detail, before or after the command",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_habits");
    await using p = await tempProject({
      "db/environments/local.yaml": `database_url: "${db.url}"\n`,
      "db/schema/10_tb_user.sql": "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY);\n",
      ...MIGRATIONS,
    });
    const notInitialized = await runCli(["migrate", "status"], { cwd: p.dir });
    assertStringIncludes(notInitialized.stderr, "does not exist yet");
    const quietStatus = await runCli(["--quiet", "migrate", "status"], { cwd: p.dir });
    assertEquals([quietStatus.code, quietStatus.stderr], [2, ""]);

    const quiet = await runCli(["migrate", "up", "--steps", "1", "-q"], { cwd: p.dir });
    assertEquals([quiet.code, quiet.stderr], [0, ""], "migrate up -q: nothing on stderr");
    assertStringIncludes(quiet.stdout, "Applied 1 migration in");

    const normal = await runCli(["migrate", "down"], { cwd: p.dir });
    assertStringIncludes(normal.stderr, "rolled back 001_create_tb_user");
    // Off a terminal each migration says when it starts (#17.5), once.
    assertEquals(normal.stderr.split("Rolling back 001_create_tb_user").length, 2, normal.stderr);

    const verbose = await runCli(["--verbose", "migrate", "up"], { cwd: p.dir });
    assertEquals(verbose.code, 0, verbose.stderr);
    assertStringIncludes(verbose.stderr, "Applying 001_create_tb_user…");
    assertStringIncludes(verbose.stderr, "applied 002_add_name");
    const verboseAfter = await runCli(["migrate", "down", "--steps", "1", "-v"], { cwd: p.dir });
    assertStringIncludes(verboseAfter.stderr, "Rolling back 002_add_name…");

    const build = await runCli(["build"], { cwd: p.dir });
    assertStringIncludes(build.stderr, "Built 1 file into");
    const quietBuild = await runCli(["build", "--quiet"], { cwd: p.dir });
    assertEquals([quietBuild.code, quietBuild.stderr], [0, ""]);
    assertStringIncludes(quietBuild.stdout, "Built db/generated/schema_local.sql");

    const quietJson = await runCli(["-q", "migrate", "status", "--format", "json"], { cwd: p.dir });
    assertEquals([quietJson.code, quietJson.stderr], [1, ""]);
    assertEquals(quietJson.json<{ pending: string[] }>().pending, ["002"]);

    // Errors are results: --quiet never hides them.
    const failed = await runCli(["--quiet", "migrate", "status", "--env", "missing"], { cwd: p.dir });
    assertEquals(failed.code, 5);
    assertStringIncludes(failed.stderr, "error: Environment config not found");
  },
});

Deno.test({
  name: "habits: a protected environment off a terminal: destructive commands refuse without --yes (exit 5)",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_habits");
    await using p = await tempProject({
      "db/environments/prod.yaml": `database_url: "${db.url}"\nprotected: true\n`,
      "db/schema/10_tb_user.sql": "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY);\n",
      ...MIGRATIONS,
    });
    const up = await runCli(["migrate", "up", "--env", "prod"], { cwd: p.dir });
    assertEquals(up.code, 0, "migrate up is not destructive: it does not ask");

    // stdin is /dev/null here, as in CI: no question, no wait, a refusal naming --yes.
    const down = await runCli(["migrate", "down", "--env", "prod"], { cwd: p.dir });
    assertEquals(down.code, 5, down.stderr);
    assertStringIncludes(down.stderr, 'Refusing to roll back migrations on protected environment "prod" without --yes');
    assertEquals(down.stdout, "");
    assertEquals(await appliedVersions(p.dir, "prod"), ["001", "002"], "nothing was rolled back");

    // A pipe on stdin is not a terminal either, whatever it carries.
    const piped = await runCli(["migrate", "down", "--env", "prod"], { cwd: p.dir, stdin: "y\n" });
    assertEquals(piped.code, 5, piped.stderr);
    assertEquals(await appliedVersions(p.dir, "prod"), ["001", "002"]);

    const dryRun = await runCli(["migrate", "down", "--env", "prod", "--dry-run"], { cwd: p.dir });
    assertEquals(dryRun.code, 0, "a dry run changes nothing, so it does not ask");
    const reinit = await runCli(["migrate", "reinit", "--env", "prod"], { cwd: p.dir });
    assertEquals(reinit.code, 5, reinit.stderr);
    assertStringIncludes(reinit.stderr, "protected environment");
    const build = await runCli(["build", "--apply", "--env", "prod"], { cwd: p.dir });
    assertEquals(build.code, 5, build.stderr);
    assertStringIncludes(build.stderr, "protected environment");
    const fresh = await runCli(["build", "--apply", "--fresh", "--yes", "--env", "prod"], { cwd: p.dir });
    assertEquals(fresh.code, 5, "--fresh never runs on a protected environment, even with --yes");
    assertEquals(await appliedVersions(p.dir, "prod"), ["001", "002"]);

    const yes = await runCli(["migrate", "down", "--env", "prod", "--yes"], { cwd: p.dir });
    assertEquals(yes.code, 0, yes.stderr);
    assertEquals(await appliedVersions(p.dir, "prod"), ["001"]);
  },
});

Deno.test({
  name: "habits: a protected environment on a terminal: migrate down asks; n cancels (exit 1), y rolls back",
  ignore: NO_SERVER || !hasScript,
  async fn() {
    await using db = await freshServerDb("cft_habits");
    await using p = await tempProject({
      "db/environments/prod.yaml": `database_url: "${db.url}"\nprotected: true\n`,
      ...MIGRATIONS,
    });
    await runCli(["migrate", "up", "--env", "prod"], { cwd: p.dir });
    const no = await runOnTerminal(["migrate", "down", "--env", "prod"], { cwd: p.dir, input: "n\n" });
    assertStringIncludes(no.output, 'Environment "prod" is protected. Roll back migrations? [y/N]');
    assertStringIncludes(no.output, "Cancelled; nothing was changed");
    assertEquals(no.code, 1);
    assertEquals(await appliedVersions(p.dir, "prod"), ["001", "002"]);

    const yes = await runOnTerminal(["migrate", "down", "--env", "prod"], { cwd: p.dir, input: "y\n" });
    assertEquals(yes.code, 0, yes.output);
    assertStringIncludes(yes.output, "Rolled back 1 migration in");
    assertEquals(await appliedVersions(p.dir, "prod"), ["001"]);
  },
});
