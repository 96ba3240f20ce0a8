import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { parseAnonymizeFlag, parseProfile } from "./profile.ts";
import { ConfigError } from "../errors.ts";

Deno.test("parseProfile reads strategies with options and qualifies table.column with public", () => {
  const p = parseProfile(
    "key_env: MY_KEY\nrules:\n  tb_user.email: email\n  app.tb_user.first_name: { strategy: name, part: first }\n",
    "p.yaml",
  );
  assertEquals(p.keyEnv, "MY_KEY");
  assertEquals([...p.rules.entries()], [
    ["public.tb_user.email", { strategy: "email", options: {}, origin: "p.yaml:3" }],
    ["app.tb_user.first_name", { strategy: "name", options: { part: "first" }, origin: "p.yaml:4" }],
  ]);
  assertEquals(parseProfile("", "empty.yaml").keyEnv, "CONFITURE_ANON_KEY");
});

Deno.test("parseProfile reports every problem at once, with lines", () => {
  const text = [
    "key_env: 1bad",
    "rules:",
    "  a.b: nope",
    "  x: email",
    "  t.c: { strategy: mask, keep_first: -1, what: 2 }",
    "  t.d: { strategy: faker }",
    "  t.e: { strategy: hash, length: 100 }",
    "columns: {}",
  ].join("\n");
  const err = (() => {
    try {
      parseProfile(text, "bad.yaml");
    } catch (e) {
      return e;
    }
  })();
  ok(err instanceof ConfigError);
  assertEquals(err.exitCode, 5);
  assertEquals(err.problems.length, 8, err.message);
  for (const line of [1, 3, 4, 5, 6, 7, 8]) {
    ok(err.problems.some((p) => p.startsWith(`bad.yaml:${line}:`)), `line ${line}`);
  }
  throws(() => parseProfile("rules: [", "broken.yaml"), /invalid YAML/);
});

Deno.test("parseAnonymizeFlag accepts table.column[:strategy] and rejects the rest", () => {
  assertEquals(parseAnonymizeFlag("tb_user.email"), { column: "public.tb_user.email", strategy: undefined });
  assertEquals(parseAnonymizeFlag("app.t.c:hash"), { column: "app.t.c", strategy: "hash" });
  throws(() => parseAnonymizeFlag("email"), ConfigError);
  throws(() => parseAnonymizeFlag("t.c:shred"), /unknown strategy "shred"/);
});
