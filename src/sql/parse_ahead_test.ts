import { assert, assertEquals } from "../../tests/_helpers/assert.ts";
import { parseAhead, parsingAhead, requestParsed, takeParsed } from "./parse_ahead.ts";
import { parseTree } from "./parser.ts";
import { loadPgQuery } from "./pg_query.ts";

async function folder(files: Record<string, string>): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, text);
  return Object.assign(new String(dir) as unknown as string, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  });
}

const UP1 = "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'é');\nCREATE INDEX a_note ON a (note);\n";
const UP2 = "ALTER TABLE a ADD COLUMN b int;\n-- 🎉\nCOMMENT ON TABLE a IS 'x';\n";

Deno.test("the worker delivers each up file's tree, equal to a main-thread parse", async () => {
  await using dir = await folder({
    "001_a.up.sql": UP1,
    "002_b.up.sql": UP2,
    "002_b.down.sql": "ALTER TABLE a DROP COLUMN b;",
    "003_bad.up.sql": "CREATE TABLE (;",
  });
  using _ahead = parseAhead(String(dir));
  assert(parsingAhead());
  // Nothing is delivered before the main thread names the files it needs.
  assertEquals(takeParsed(UP1), undefined);
  requestParsed(["001_a.up.sql", "002_b.down.sql", "003_bad.up.sql", "002_b.up.sql"].map((f) => `${dir}/${f}`));
  const pg = await loadPgQuery();
  for (const sql of [UP1, UP2]) {
    const json = await takeParsed(sql);
    assert(json !== undefined, "delivered by the worker");
    assertEquals(JSON.parse(json), pg.parse(sql));
  }
  // Not delivered: a down file, an unparseable file (the main thread reports its error), a
  // text that differs from the file's.
  assertEquals(await takeParsed("ALTER TABLE a DROP COLUMN b;"), undefined);
  assertEquals(await takeParsed("CREATE TABLE (;"), undefined);
  assertEquals(await takeParsed(UP1 + " "), undefined);
  assert(!parsingAhead(), "done once everything was delivered");
});

Deno.test("parseTree takes the worker's tree and parses what it misses itself", async () => {
  await using dir = await folder({ "001_a.up.sql": UP2 });
  using _ahead = parseAhead(String(dir));
  requestParsed([`${dir}/001_a.up.sql`]);
  const pg = await loadPgQuery();
  assertEquals(await parseTree(UP2), pg.parse(UP2));
  assertEquals(await parseTree("SELECT 2"), pg.parse("SELECT 2"));
});

Deno.test("a missing folder ends the work without trees", async () => {
  using _ahead = parseAhead("/nonexistent/confiture/migrations");
  requestParsed(["/nonexistent/confiture/migrations/001_a.up.sql"]);
  assertEquals(await takeParsed(UP1), undefined);
  assert(!parsingAhead());
});

Deno.test("disposing stops the worker; waiting callers get no tree", async () => {
  await using dir = await folder({ "001_a.up.sql": UP1 });
  const ahead = parseAhead(String(dir));
  requestParsed([`${dir}/002_never.up.sql`, `${dir}/001_a.up.sql`]);
  const waiting = takeParsed("SELECT 'never in the folder'");
  ahead[Symbol.dispose]();
  assertEquals(await waiting, undefined);
  assert(!parsingAhead());
});

Deno.test("only the requested files' trees cross threads; the worker then ends", async () => {
  await using dir = await folder({ "001_a.up.sql": UP1, "002_b.up.sql": UP2, "003_c.up.sql": "SELECT 3;" });
  using _ahead = parseAhead(String(dir));
  // Asked at once: the worker parses the requested file before the newer ones.
  requestParsed([`${dir}/001_a.up.sql`]);
  assert((await takeParsed(UP1)) !== undefined);
  assertEquals(await takeParsed(UP2), undefined);
  assertEquals(await takeParsed("SELECT 3;"), undefined);
  assert(!parsingAhead());
});
