import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../tests/_helpers/assert.ts";
import { tempProject } from "../../tests/_helpers/project.ts";
import { ConfigError } from "../errors.ts";
import { loadEnvironment } from "./load.ts";

const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("connection precedence: --database-url > CONFITURE_DATABASE_URL > file > DATABASE_URL", async () => {
  await using p = await tempProject({ "db/environments/local.yaml": "database_url: postgres://file@h/f\n" });
  const base = { projectDir: p.dir };
  const all = { CONFITURE_DATABASE_URL: "postgres://conf@h/c", DATABASE_URL: "postgres://amb@h/a" };
  const flag = await loadEnvironment({ ...base, databaseUrl: "postgres://flag@h/x", getEnv: env(all) });
  assertEquals([flag.urlSource, flag.target.kind === "server" && flag.target.user], ["--database-url", "flag"]);
  const conf = await loadEnvironment({ ...base, getEnv: env(all) });
  assertEquals(conf.urlSource, "CONFITURE_DATABASE_URL");
  const file = await loadEnvironment({ ...base, getEnv: env({ DATABASE_URL: "postgres://amb@h/a" }) });
  assertEquals(file.urlSource, "config");
  await using q = await tempProject({ "db/environments/local.yaml": "name: local\n" });
  const ambient = await loadEnvironment({ projectDir: q.dir, getEnv: env({ DATABASE_URL: "postgres://amb@h/a" }) });
  assertEquals(ambient.urlSource, "DATABASE_URL");
});

Deno.test("${VAR} and ${VAR:-default} expand; an unset variable is an error with its key", async () => {
  await using p = await tempProject({
    "db/environments/staging.yaml": [
      "database_url: postgres://app:${DB_PASS}@${DB_HOST:-localhost}/app",
      "migration:",
      "  tracking_table: ${TT:-audit.migrations}",
      "  lock_timeout: 2min",
    ].join("\n"),
  });
  const e = await loadEnvironment({ env: "staging", projectDir: p.dir, getEnv: env({ DB_PASS: "pw" }) });
  assert(e.target.kind === "server");
  assertEquals([e.target.host, e.target.password], ["localhost", "pw"]);
  assertEquals(e.migration.trackingTable, { schema: "audit", name: "migrations" });
  assertEquals(e.migration.lockTimeoutMs, 120_000);
  assertEquals(e.secrets, ["pw"]);
  const err = await assertRejects(
    () => loadEnvironment({ env: "staging", projectDir: p.dir, getEnv: env({}) }),
    ConfigError,
  );
  assertStringIncludes(err.message, "staging.yaml:1: database_url: environment variable DB_PASS is not set");
});

Deno.test("every problem is reported at once, with key paths and lines", async () => {
  await using p = await tempProject({
    "db/environments/bad.yaml": [
      "database_url: postgres://x@h/d",
      "protected: maybe",
      "migratoin:",
      "  tracking_table: x",
      "migration:",
      "  tracking_table: user",
      "  lock_timeout: soon",
    ].join("\n"),
  });
  const err = await assertRejects(
    () => loadEnvironment({ env: "bad", projectDir: p.dir, getEnv: env({}) }),
    ConfigError,
  );
  assertStringIncludes(err.message, "4 problems");
  assertStringIncludes(err.message, "bad.yaml:2: protected: expected true or false");
  assertStringIncludes(err.message, 'bad.yaml:3: migratoin: unknown key (did you mean "migration"?)');
  assertStringIncludes(err.message, "bad.yaml:7: migration.lock_timeout");
  assertStringIncludes(err.message, "migration.tracking_table: is a reserved word");
});

Deno.test("malformed YAML and missing files name the file and line", async () => {
  await using p = await tempProject({ "db/environments/broken.yaml": "database_url: [unclosed\nname: x\n" });
  const err = await assertRejects(
    () => loadEnvironment({ env: "broken", projectDir: p.dir, getEnv: env({}) }),
    ConfigError,
  );
  assertStringIncludes(err.message, "db/environments/broken.yaml:");
  assertStringIncludes(err.message, "invalid YAML");
  await assertRejects(
    () => loadEnvironment({ env: "nope", projectDir: p.dir, getEnv: env({}) }),
    ConfigError,
    "Environment config not found: db/environments/nope.yaml",
  );
  await assertRejects(() => loadEnvironment({ env: "../x", projectDir: p.dir, getEnv: env({}) }), ConfigError);
});

Deno.test("host/port/database parts build a connection when database_url is absent", async () => {
  await using p = await tempProject({
    "db/environments/legacy.yaml":
      'database:\n  host: db1\n  port: 6543\n  name: shop\n  user: app\n  password: "it\'s"\n',
  });
  const e = await loadEnvironment({ env: "legacy", projectDir: p.dir, getEnv: env({}) });
  assert(e.target.kind === "server");
  assertEquals([e.target.host, e.target.port, e.target.database, e.target.user, e.target.password], [
    "db1",
    6543,
    "shop",
    "app",
    "it's",
  ]);
});
