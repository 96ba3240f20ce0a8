import { assertEquals, assertNotIncludes, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
import { describeTarget, parseDatabaseUrl, redactUrl } from "./url.ts";

const noEnv = () => undefined;

Deno.test("postgres URLs are read as libpq reads them", () => {
  const t = parseDatabaseUrl(
    "postgresql://app:s%40cret@db.example:6432/shop?sslmode=require&application_name=x",
    noEnv,
  );
  assertEquals(t, {
    kind: "server",
    host: "db.example",
    port: 6432,
    user: "app",
    password: "s@cret",
    database: "shop",
    sslmode: "require",
    applicationName: "x",
    connectTimeoutSeconds: undefined,
    options: undefined,
  });
  const socket = parseDatabaseUrl("postgres:///mydb?host=/var/run/postgresql", noEnv);
  assertEquals(socket.kind === "server" && socket.host, "/var/run/postgresql");
  const v6 = parseDatabaseUrl("postgres://u@[::1]:5433/d", noEnv);
  assertEquals(v6.kind === "server" && [v6.host, v6.port], ["::1", 5433]);
});

Deno.test("PG* environment variables fill what the URL leaves out", () => {
  const env: Record<string, string> = { PGHOST: "h", PGPORT: "7000", PGUSER: "u", PGPASSWORD: "p", PGDATABASE: "d" };
  const t = parseDatabaseUrl("postgres://", (n) => env[n]);
  assertEquals(t.kind === "server" && [t.host, t.port, t.user, t.password, t.database], ["h", 7000, "u", "p", "d"]);
});

Deno.test("key=value strings and pglite targets", () => {
  const t = parseDatabaseUrl("host=localhost port=5433 dbname='my db' user=x password='a b'", noEnv);
  assertEquals(t.kind === "server" && [t.host, t.port, t.database, t.password], ["localhost", 5433, "my db", "a b"]);
  assertEquals(parseDatabaseUrl("pglite:memory", noEnv), { kind: "pglite" });
  assertEquals(parseDatabaseUrl("pglite:./.confiture/x", noEnv, "/proj"), {
    kind: "pglite",
    dataDir: "/proj/.confiture/x",
  });
});

Deno.test("bad URLs fail with ConfigError and never echo the password", () => {
  const e1 = assertThrows(() => parseDatabaseUrl("mysql://u:hunter2@h/d", noEnv), ConfigError);
  assertNotIncludes(e1.message, "hunter2");
  assertThrows(() => parseDatabaseUrl("postgres://u:hunter2@h:99999/d", noEnv), ConfigError, "Invalid port");
  const e2 = assertThrows(() => parseDatabaseUrl("postgres://u:hunter2@h/d?sslmode=bogus", noEnv), ConfigError);
  assertNotIncludes(e2.message, "hunter2");
  assertThrows(() => parseDatabaseUrl("postgres://h/d?nope=1", noEnv), ConfigError, "Unknown connection parameter");
});

Deno.test("labels and redaction hide passwords", () => {
  const t = parseDatabaseUrl("postgres://app:hunter2@db/shop", noEnv);
  assertEquals(describeTarget(t), "postgres://app@db:5432/shop");
  assertEquals(redactUrl("url postgres://app:hunter2@db/shop here"), "url postgres://app:***@db/shop here");
  assertEquals(redactUrl("host=x password=hunter2 user=y"), "host=x password=*** user=y");
});
