import { assertEquals } from "../../tests/_helpers/assert.ts";
import type { MigrationFile } from "./files.ts";
import { joinStatus, orderVersions } from "./status.ts";
import type { PartialRun } from "./tracking_table.ts";

const file = (version: string, name = `m${version}`): MigrationFile => ({
  version,
  name,
  upPath: `/m/${version}.up.sql`,
});
const row = (version: string, name = `m${version}`) => ({ version, name, applied_at: "2026-01-01T00:00:00Z" });
const partial = (version: string, direction: "up" | "down"): PartialRun => ({
  version,
  name: `m${version}`,
  direction,
  checksum: "c",
  statements_done: 2,
  statements_total: 5,
  next_line: 7,
  last_error: "canceled",
});

Deno.test("files join tracking rows as applied, pending and missing, in version order", () => {
  const got = joinStatus([file("002"), file("010")], [row("10", "m010"), row("001", "gone")], []);
  assertEquals(got, [
    { version: "001", name: "gone", status: "missing", applied_at: "2026-01-01T00:00:00Z" },
    { version: "002", name: "m002", status: "pending", applied_at: null },
    { version: "010", name: "m010", status: "applied", applied_at: "2026-01-01T00:00:00Z" },
  ]);
});

Deno.test("an edited up is its own state; a differing recorded name and an edited down are marked", () => {
  const got = joinStatus([file("001"), file("002"), file("003")], [row("001"), row("002", "old"), row("003")], [], {
    up: new Set(["1"]),
    down: new Set(["3"]),
  });
  assertEquals(got.map((m) => [m.status, m.recorded_name, m.down_edited]), [
    ["edited", undefined, undefined],
    ["applied", "old", undefined],
    ["applied", undefined, true],
  ]);
});

Deno.test("a journaled run is partial in its direction only, with where it stopped", () => {
  const up = joinStatus([file("001")], [], [partial("1", "up")]);
  assertEquals(up[0].status, "partial");
  assertEquals(up[0].stopped_at, { direction: "up", statement: 3, of: 5, line: 7, error: "canceled" });
  // An up journal row does not make an applied migration partial; a down one does.
  assertEquals(joinStatus([file("001")], [row("001")], [partial("001", "up")])[0].status, "applied");
  assertEquals(joinStatus([file("001")], [row("001")], [partial("001", "down")])[0].status, "partial");
});

Deno.test("versions order as numbers; hand-written rows fall back to text order", () => {
  assertEquals(["10", "9", "0100"].sort(orderVersions), ["9", "10", "0100"]);
  assertEquals(["b", "a"].sort(orderVersions), ["a", "b"]);
});
