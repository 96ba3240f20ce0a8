import { assertEquals } from "../../tests/_helpers/assert.ts";
import { migrationTarget, resolveEnvironment } from "./resolve.ts";

Deno.test("a URL becomes a one-off environment; an Environment passes through", async () => {
  const env = await resolveEnvironment("postgres://app@db.example:5433/shop");
  assertEquals(env.target.kind, "server");
  assertEquals(await resolveEnvironment(env), env);
  assertEquals((await resolveEnvironment(new URL("postgres://app@db.example/shop"))).target.kind, "server");
});

Deno.test("migrations connect through the direct URL when one is set", async () => {
  const env = await resolveEnvironment("postgres://app@pooler.example:6432/shop");
  assertEquals(migrationTarget(env), env.target);
  const direct = migrationTarget({ ...env, directUrl: "postgres://app@primary.example:5432/shop" });
  assertEquals(direct.kind === "server" && direct.host, "primary.example");
});
