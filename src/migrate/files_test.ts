import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { collectMigrations, compareVersions, parseMigrationFileName } from "./files.ts";

Deno.test("parseMigrationFileName recognises up/down pairs of any version width, with or without a name", () => {
  assertEquals(parseMigrationFileName("003_create_tb_comment.up.sql"), {
    kind: "migration",
    version: "003",
    name: "create_tb_comment",
    direction: "up",
  });
  assertEquals(parseMigrationFileName("20260115103000_x.down.sql").kind, "migration");
  assertEquals(parseMigrationFileName("1_a.up.sql").kind, "migration");
  assertEquals(parseMigrationFileName("0157.up.sql"), {
    kind: "migration",
    version: "0157",
    name: "",
    direction: "up",
  });
  assertEquals(parseMigrationFileName("README.md").kind, "ignored");
  assertEquals(parseMigrationFileName("embed.go").kind, "ignored");
  assertEquals(parseMigrationFileName("00002_rename_root.go"), { kind: "foreign", language: "Go" });
  assertEquals(parseMigrationFileName("003_x.sql"), { kind: "single", version: "003", name: "x" });
  assertEquals(parseMigrationFileName("add_x.up.sql").kind, "invalid");
});

Deno.test("versions order numerically, not as text", () => {
  const { migrations, problems } = collectMigrations("/m", [
    "10_ten.up.sql",
    "9_nine.up.sql",
    "100_hundred.up.sql",
    "9_nine.down.sql",
  ]);
  assertEquals(problems, []);
  assertEquals(migrations.map((m) => m.version), ["9", "10", "100"]);
  assertEquals(migrations[0].downPath, "/m/9_nine.down.sql");
  assertEquals(migrations[1].downPath, undefined);
  assertEquals(compareVersions("001", "1"), 0);
  assertEquals(compareVersions("20260115103000", "999"), 1);
});

Deno.test("up and down pair by version; a differing name is a warning", () => {
  const { migrations, problems, warnings } = collectMigrations("/m", [
    "42_collection_add_x.up.sql",
    "42_collection_drop_x.down.sql",
    "0157.up.sql",
    "0157.down.sql",
  ]);
  assertEquals(problems, []);
  assertEquals(migrations.map((m) => [m.version, m.name, m.downPath]), [
    ["42", "collection_add_x", "/m/42_collection_drop_x.down.sql"],
    ["0157", "", "/m/0157.down.sql"],
  ]);
  assertEquals(warnings.map((w) => [w.code, w.file]), [["NAME_MISMATCH", "42_collection_drop_x.down.sql"]]);
});

Deno.test("duplicate versions, orphan downs, bad names and code migrations are each reported once", () => {
  const { problems, warnings } = collectMigrations("/m", [
    "001_a.up.sql",
    "1_b.up.sql",
    "001_a.down.sql",
    "002_c.down.sql",
    "003_d.sql",
    "004_seed.go",
    "notes.txt",
  ], () => "SELECT 1;");
  assertEquals(problems.map((p) => p.code).sort(), ["BAD_NAME", "DUPLICATE_VERSION", "NOT_SQL"]);
  // A down with no up gates nothing (nothing can run it): a warning, for validate to show.
  assertEquals(warnings.map((w) => [w.code, w.file]), [["ORPHAN_DOWN", "002_c.down.sql"]]);
  assertEquals(
    problems.find((p) => p.code === "DUPLICATE_VERSION")?.message,
    "duplicate version 001: 001_a.up.sql, 1_b.up.sql (a version names one migration: give each of them its own number)",
  );
  assertThrows(() => compareVersions("x", "1"));
});

Deno.test("an `_up.sql` / `_down.sql` typo is reported with the name to rename it to", () => {
  const { problems } = collectMigrations(
    "/m",
    ["0021_add_internal_up.sql", "0021_add_internal_DOWN.sql"],
    () => "SELECT 1;",
  );
  assertEquals(problems.map((p) => p.message), [
    '0021_add_internal_DOWN.sql: "_DOWN.sql" is not a migration suffix; rename it to 0021_add_internal.down.sql',
    '0021_add_internal_up.sql: "_up.sql" is not a migration suffix; rename it to 0021_add_internal.up.sql',
  ]);
});

Deno.test("directories, dangling links and loops with migration names are refused", () => {
  const { problems } = collectMigrations("/m", [
    { name: "001_a.up.sql", kind: "directory" },
    { name: "002_b.up.sql", kind: "missing" },
    { name: "003_c.up.sql", kind: "loop" },
    { name: "archive", kind: "directory" },
  ]);
  assertEquals(problems.map((p) => [p.code, p.file]), [
    ["NOT_A_FILE", "001_a.up.sql"],
    ["SYMLINK_BROKEN", "002_b.up.sql"],
    ["SYMLINK_BROKEN", "003_c.up.sql"],
  ]);
});

Deno.test("a marked single file holds both parts; its down part is addressed as #down", () => {
  const { migrations, problems } = collectMigrations(
    "/m",
    ["20240101_t.sql", "20240102_u.sql"],
    (name) =>
      name === "20240101_t.sql"
        ? "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n"
        : "-- migrate:up\nCREATE TABLE u (id int);\n",
  );
  assertEquals(problems, []);
  assertEquals(migrations.map((m) => [m.upPath, m.downPath]), [
    ["/m/20240101_t.sql", "/m/20240101_t.sql#down"],
    ["/m/20240102_u.sql", undefined],
  ]);
});
