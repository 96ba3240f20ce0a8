import { assertEquals } from "../../tests/_helpers/assert.ts";
import { splitMarkedFile, wrongDirectionMarker } from "./markers.ts";

Deno.test("goose: parts keep the file's line numbers; NO TRANSACTION becomes the directive", () => {
  const text = [
    "-- +goose NO TRANSACTION",
    "-- +goose Up",
    "-- +goose StatementBegin",
    "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
    "-- +goose StatementEnd",
    "-- +goose Down",
    "DROP FUNCTION f();",
  ].join("\n");
  const f = splitMarkedFile(text)!;
  assertEquals(f.tool, "goose");
  assertEquals(f.problems, []);
  assertEquals(f.up.split("\n"), ["", "-- confiture:no-transaction", "", text.split("\n")[3], "", "", ""]);
  assertEquals(f.down!.split("\n"), ["", "", "", "", "", "-- confiture:no-transaction", "DROP FUNCTION f();"]);
});

Deno.test("sql-migrate and dbmate markers; dbmate transaction:false", () => {
  const s = splitMarkedFile("-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate Down\nDROP TABLE a;\n")!;
  assertEquals([s.tool, s.up, s.down], ["sql-migrate", "\nCREATE TABLE a (id int);\n\n\n", "\n\n\nDROP TABLE a;\n"]);
  const d = splitMarkedFile(
    "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down\n",
  )!;
  assertEquals([d.tool, d.up.split("\n")[0], d.down], ["dbmate", "-- confiture:no-transaction", "\n\n\n"]);
  assertEquals(splitMarkedFile("CREATE TABLE a (id int);\n"), undefined);
});

Deno.test("marked files that cannot be read safely say why", () => {
  assertEquals(splitMarkedFile("CREATE TABLE x (id int);\n-- +goose Up\nSELECT 1;\n")!.problems, [
    "line 1: SQL before the first goose Up/Down marker",
  ]);
  assertEquals(splitMarkedFile("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n")!.problems, [
    "line 2: -- +goose ENVSUB ON is not supported by Confiture",
  ]);
  assertEquals(splitMarkedFile("-- +goose Down\nDROP TABLE x;\n")!.problems, ["no goose Up marker"]);
  assertEquals(wrongDirectionMarker("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n", "up")?.line, 3);
  assertEquals(wrongDirectionMarker("-- migrate:up\nSELECT 1;\n", "up"), undefined);
});
