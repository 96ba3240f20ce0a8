import { assertEquals } from "../../tests/_helpers/assert.ts";
import { parseSql } from "./parse_sql.ts";
import { checkReversibility, upObjects } from "./rules_down.ts";
import { searchPathAfter } from "./search_path.ts";

async function left(up: string, down: string, prior: string[] = []): Promise<string[]> {
  let objects: ReturnType<typeof upObjects> = [];
  for (const p of prior) objects = [...objects, ...upObjects(await parseSql("p.sql", p), { objects })];
  const found = checkReversibility(await parseSql("u.sql", up), await parseSql("d.sql", down), { objects });
  return found.map((f) => f.message.replace(/ created here.*/, ""));
}

Deno.test("down-incomplete still reports what the down really leaves", async () => {
  // Dropping another column keeps the index; OWNED BY NONE detaches the sequence from the table.
  assertEquals(
    await left(
      "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int;\nCREATE INDEX i ON t (a);\n" +
        "CREATE SEQUENCE s OWNED BY t.a;\nALTER SEQUENCE s OWNED BY NONE;",
      "ALTER TABLE t DROP COLUMN b;",
    ),
    ["column t.a", "index i", "sequence s"],
  );
  // A schema-qualified object elsewhere survives DROP SCHEMA app CASCADE; RESET ends the search_path.
  assertEquals(
    await left(
      "CREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE a (id int);\nRESET search_path;\nCREATE TABLE b (id int);",
      "DROP SCHEMA app CASCADE;",
    ),
    ["table b"],
  );
  // IF NOT EXISTS of something no earlier migration created does create it.
  assertEquals(await left("CREATE EXTENSION IF NOT EXISTS citext;", "SELECT 1;"), ["extension citext"]);
  assertEquals(await left("CREATE EXTENSION IF NOT EXISTS citext;", "SELECT 1;", ["CREATE EXTENSION citext;"]), []);
  // An index on a dropped view's table is not on the view.
  assertEquals(await left("CREATE INDEX i ON t (a);", "DROP MATERIALIZED VIEW mv;"), ["index i"]);
});

Deno.test("searchPathAfter reads SET, SET LOCAL, RESET and set_config", async () => {
  const read = async (sql: string) => searchPathAfter((await parseSql("x.sql", sql)).statements[0]);
  assertEquals(await read("SET search_path TO app, public"), "app");
  assertEquals(await read('SET LOCAL search_path = "App"'), "App");
  assertEquals(await read('SET search_path = "$user", public'), null);
  assertEquals(await read("RESET search_path"), null);
  assertEquals(await read("SELECT set_config('search_path', 'tenant, public', false)"), "tenant");
  assertEquals(await read("SET lock_timeout = '1s'"), undefined);
  assertEquals(await read("SELECT 1"), undefined);
});
