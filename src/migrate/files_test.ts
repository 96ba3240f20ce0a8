import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { collectMigrations, compareVersions, parseMigrationFileName } from "./files.ts";

Deno.test("parseMigrationFileName recognises up/down pairs of any version width", () => {
  assertEquals(parseMigrationFileName("003_create_tb_comment.up.sql"), {
    kind: "migration",
    version: "003",
    name: "create_tb_comment",
    direction: "up",
  });
  assertEquals(parseMigrationFileName("20260115103000_x.down.sql").kind, "migration");
  assertEquals(parseMigrationFileName("1_a.up.sql").kind, "migration");
  assertEquals(parseMigrationFileName("README.md").kind, "ignored");
  assertEquals(parseMigrationFileName("003_x.sql").kind, "invalid");
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

Deno.test("duplicate versions, orphan downs and bad names are all reported", () => {
  const { problems } = collectMigrations("/m", [
    "001_a.up.sql",
    "1_b.up.sql",
    "002_c.down.sql",
    "003_d.sql",
    "notes.txt",
  ]);
  assertEquals(problems.length, 3);
  assertEquals(
    problems.some((p) => p.includes("duplicate version") && p.includes("001_a.up.sql") && p.includes("1_b.up.sql")),
    true,
  );
  assertEquals(problems.some((p) => p.startsWith("002_c.down.sql")), true);
  assertEquals(problems.some((p) => p.startsWith("003_d.sql")), true);
  assertThrows(() => compareVersions("x", "1"));
});
