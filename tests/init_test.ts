/**
 * `confiture init`: the scaffold builds, migrates and passes check-schema at once; existing
 * files are only replaced after a yes.
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { SCAFFOLD_FILES } from "../src/build/scaffold.ts";

Deno.test("init scaffolds a project where build --apply, migrate up and check-schema work right away", async () => {
  await using p = await tempProject();
  const init = await runCli(["init", "app", "--format", "json"], { cwd: p.dir });
  assertEquals(init.code, 0, init.stderr);
  assertEquals(init.json<{ created: string[] }>().created, Object.keys(SCAFFOLD_FILES));
  const app = `${p.dir}/app`;
  assertStringIncludes(
    await p.read("app/db/environments/local.yaml"),
    "database_url: ${DATABASE_URL:-pglite:./.confiture/local}",
  );

  const build = await runCli(["build", "--apply"], { cwd: app });
  assertEquals(build.code, 0, build.stderr);
  assertStringIncludes(build.stdout, "Recorded 1 migration as applied");
  assertStringIncludes(build.stdout, "Ran 1 seed file");

  const up = await runCli(["migrate", "up"], { cwd: app });
  assertEquals(up.code, 0, up.stderr);
  assertStringIncludes(up.stdout, "Nothing to apply");

  const check = await runCli(["migrate", "check-schema"], { cwd: app });
  assertEquals(check.code, 0, check.stdout + check.stderr);
});

Deno.test("init over an existing project keeps files unless confirmed (--yes); declining exits 0", async () => {
  await using p = await tempProject({ "db/environments/local.yaml": "name: local\ndatabase_url: pglite:memory\n" });
  // stdin is not a terminal: the prompt is declined without waiting.
  const kept = await runCli(["init", "--format", "json"], { cwd: p.dir, stdin: "y\n" });
  assertEquals(kept.code, 0, kept.stderr);
  assertEquals(kept.json<{ kept: string[] }>().kept, ["db/environments/local.yaml"]);
  assertEquals(await p.read("db/environments/local.yaml"), "name: local\ndatabase_url: pglite:memory\n");
  assertEquals(
    await p.read("db/schema/10_tables/tb_example.sql"),
    SCAFFOLD_FILES["db/schema/10_tables/tb_example.sql"],
  );

  const forced = await runCli(["init", "--yes"], { cwd: p.dir });
  assertEquals(forced.code, 0, forced.stderr);
  assertStringIncludes(forced.stdout, "overwritten  db/environments/local.yaml");
  assertEquals(await p.read("db/environments/local.yaml"), SCAFFOLD_FILES["db/environments/local.yaml"]);
});

Deno.test({
  name: "[server] the scaffold's local environment reads DATABASE_URL when it is set, PGlite otherwise",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb();
    await using p = await tempProject();
    assertEquals((await runCli(["init"], { cwd: p.dir })).code, 0);
    const status = (env: Record<string, string>) =>
      runCli(["migrate", "status", "--format", "json"], { cwd: p.dir, env: { DATABASE_URL: "", ...env } });
    const server = await status({ DATABASE_URL: db.url });
    assertEquals([server.code, server.json().database], [2, db.url.replace(/\?.*$/, "")], server.stderr);
    const embedded = await status({});
    assertEquals([embedded.code, embedded.json().database], [2, `pglite:${p.dir}/.confiture/local`], embedded.stderr);
  },
});

Deno.test("`deno task confiture init` writes into the directory it was typed in, not the checkout", async () => {
  await using p = await tempProject();
  const checkout = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "--config", `${checkout}deno.json`, "confiture", "init", "app_from_task"],
    cwd: p.dir,
    // No inherited INIT_CWD: deno task keeps one that is already set.
    clearEnv: true,
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...denoDir() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertStringIncludes(await p.read("app_from_task/db/environments/local.yaml"), "name: local");
  const leaked = await Deno.stat(`${checkout}app_from_task`).then(() => true, () => false);
  assertEquals(leaked, false, "init wrote into the checkout");
});

function denoDir(): Record<string, string> {
  const dir = Deno.env.get("DENO_DIR");
  return dir ? { DENO_DIR: dir } : {};
}
