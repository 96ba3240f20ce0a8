import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
import type { MigrationFile } from "./files.ts";
import { filesThrough, findApplied } from "./through.ts";

const files: MigrationFile[] = ["001_a", "002_b", "010_c"].map((stem) => {
  const [version, name] = stem.split("_");
  return { version, name, upPath: `/m/${stem}.up.sql` };
});

Deno.test("through a version or version_name, matched as numbers", () => {
  assertEquals(filesThrough(files, "2").map((f) => f.version), ["001", "002"]);
  assertEquals(filesThrough(files, "002_b").map((f) => f.version), ["001", "002"]);
  assertEquals(filesThrough(files, "10").length, 3);
});

Deno.test("an unknown version names the known ones", () => {
  assertThrows(() => filesThrough(files, "002_x"), ConfigError, "known versions end with: 001, 002, 010");
  assertThrows(() => filesThrough(files, "latest"), ConfigError, 'Unknown version "latest"');
  assertThrows(() => filesThrough([], "1"), ConfigError, "there are no migration files");
});

Deno.test("findApplied matches 1 and 001", () => {
  assertEquals(findApplied([{ version: "001" }], "1"), { version: "001" });
  assertEquals(findApplied([{ version: "001" }], "2"), undefined);
});
