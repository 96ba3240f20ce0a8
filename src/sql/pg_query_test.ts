import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/_helpers/assert.ts";
import { LIBPG_QUERY_VERSION, loadPgQuery, SqlError, utf8Length } from "./pg_query.ts";

// The package's own wrapper is the reference: the binding must answer exactly as it does.
const reference = await import("libpg-query");
const pg = await loadPgQuery();

const SCRIPTS = [
  "SELECT 1",
  "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL DEFAULT 'é');\nCREATE INDEX i ON t (lower(name));",
  // Non-ASCII before later statements: locations are bytes.
  "-- ünïcödé 🎉 comment\nINSERT INTO t VALUES ('日本語');\nALTER TABLE t ADD COLUMN c int;",
  "DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;\nCOMMENT ON TABLE t IS 'a;b';",
];

Deno.test("the binding is for the libpg-query version deno.json pins", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(config.imports["libpg-query"], `npm:libpg-query@${LIBPG_QUERY_VERSION}`);
});

Deno.test("parse gives the package wrapper's tree, byte locations included", async () => {
  for (const sql of SCRIPTS) assertEquals(pg.parse(sql), await reference.parse(sql));
});

Deno.test("parse errors carry the wrapper's message and 0-based cursor position", async () => {
  for (const sql of ["SELECT FROM WHERE", "CREATE TABLE é (", "SELECT 'unterminated", "SELEC 1;\nSELECT 2"]) {
    const mine = assertThrows(() => pg.parse(sql), SqlError);
    const theirs = await assertRejects(() => reference.parse(sql), reference.SqlError);
    assertEquals(mine.message, theirs.message);
    assertEquals(mine.sqlDetails.cursorPosition, theirs.sqlDetails?.cursorPosition);
    assertEquals(mine.sqlDetails.fileName, theirs.sqlDetails?.fileName);
  }
});

Deno.test("scan gives the wrapper's tokens, comments included", async () => {
  for (const sql of SCRIPTS) assertEquals(pg.scan(sql), await reference.scan(sql));
});

Deno.test("a text larger than the heap grows it and still parses", async () => {
  const sql = Array.from({ length: 40_000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'row ${i} ü');`).join("\n");
  const tree = pg.parse(sql) as { stmts: { stmt_location?: number }[] };
  assertEquals(tree.stmts.length, 40_000);
  assert(tree.stmts[39_999].stmt_location! > sql.length, "byte locations past the character count");
  // The heap stays usable after growing.
  assertEquals(pg.parse("SELECT 1"), await reference.parse("SELECT 1"));
});

Deno.test("utf8Length counts what TextEncoder writes", () => {
  for (const s of ["", "abc", "é", "日本", "🎉x", "\ud800", "a\udc00b", "\ud83c"]) {
    assertEquals(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});
