import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError } from "../errors.ts";
import type { ConfitureEvent } from "../events.ts";
import { migrationChecksum } from "./checksum.ts";
import { assertDownChecksums, assertUpChecksums, checksumIssues } from "./checksum_check.ts";
import { type MigrationFile, MigrationTexts } from "./files.ts";

async function project() {
  const dir = await Deno.makeTempDir();
  const write = (name: string, text: string) => Deno.writeTextFile(`${dir}/${name}`, text);
  await write("001_a.up.sql", "CREATE TABLE a (id int);\n");
  await write("001_a.down.sql", "DROP TABLE a;\n");
  const file: MigrationFile = {
    version: "001",
    name: "a",
    upPath: `${dir}/001_a.up.sql`,
    downPath: `${dir}/001_a.down.sql`,
  };
  const row = {
    version: "001",
    name: "a",
    checksum: migrationChecksum("CREATE TABLE a (id int);\n"),
    down_checksum: migrationChecksum("DROP TABLE a;\n"),
  };
  return { dir, write, file, row, shown: (p: string) => p.slice(dir.length + 1) };
}

Deno.test("unchanged files have no issues; a lost file is missing", async () => {
  const { dir, file, row, shown } = await project();
  assertEquals(checksumIssues([file], [row], new MigrationTexts(), shown), []);
  const lost = checksumIssues([], [row], new MigrationTexts(), shown);
  assertEquals(lost.map((i) => [i.kind, i.file, i.actual]), [["missing", "001_a.up.sql", null]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an edited up file refuses up; an edited down file only warns", async () => {
  const { dir, write, file, row, shown } = await project();
  await write("001_a.down.sql", "DROP TABLE a CASCADE;\n");
  const events: ConfitureEvent[] = [];
  assertUpChecksums([file], [row], new MigrationTexts(), shown, (e) => events.push(e));
  assertEquals(events.length, 1);
  assertEquals(events[0].type, "warning");
  const down = assertThrows(
    () => assertDownChecksums([{ file, applied: row }], new MigrationTexts(), shown),
    ConfigError,
    "001_a.down.sql was edited after 001 was applied",
  );
  assertEquals((down as ConfigError).code, "DOWN_CHECKSUM_MISMATCH");
  await write("001_a.up.sql", "CREATE TABLE a (id bigint);\n");
  const up = assertThrows(
    () => assertUpChecksums([file], [row], new MigrationTexts(), shown, () => {}),
    ConfigError,
    "001_a.up.sql was edited after it was applied",
  );
  assertEquals((up as ConfigError).code, "CHECKSUM_MISMATCH");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a row without a stored checksum is not checked", async () => {
  const { dir, write, file, row, shown } = await project();
  await write("001_a.up.sql", "CREATE TABLE a (id bigint);\n");
  assertEquals(checksumIssues([file], [{ ...row, checksum: null }], new MigrationTexts(), shown), []);
  await Deno.remove(dir, { recursive: true });
});
