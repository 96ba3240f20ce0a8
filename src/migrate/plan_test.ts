import { assertEquals, assertThrows } from "../../tests/_helpers/assert.ts";
import { ConfigError, IrreversibleError } from "../errors.ts";
import type { MigrationFile } from "./files.ts";
import { planDown, planUp } from "./plan.ts";
import type { AppliedMigration } from "./tracking_table.ts";

const file = (version: string, down = true): MigrationFile => ({
  version,
  name: `m${version}`,
  upPath: `/m/${version}.up.sql`,
  downPath: down ? `/m/${version}.down.sql` : undefined,
});
const row = (version: string): AppliedMigration => ({
  version,
  name: `m${version}`,
  slug: version,
  applied_at: "2026-01-01T00:00:00+00:00",
  execution_time_ms: 1,
  checksum: null,
  down_checksum: null,
  applied_by: null,
});
const FILES = ["001", "002", "003", "004"].map((v) => file(v));

Deno.test("planUp: pending in order, limited by steps and target", () => {
  assertEquals(planUp(FILES, [row("001")]).toApply.map((f) => f.version), ["002", "003", "004"]);
  const steps = planUp(FILES, [row("001")], { steps: 2 });
  assertEquals(steps.toApply.map((f) => f.version), ["002", "003"]);
  assertEquals(steps.skipped.map((f) => f.version), ["004"]);
  assertEquals(planUp(FILES, [], { target: "2" }).toApply.map((f) => f.version), ["001", "002"]);
  assertEquals(planUp(FILES, FILES.map((f) => row(f.version))).toApply, []);
});

Deno.test("planUp: bad steps, unknown target and out-of-order files are refused", () => {
  assertThrows(() => planUp(FILES, [], { steps: 0 }), ConfigError, "--steps");
  assertThrows(() => planUp(FILES, [], { target: "9" }), ConfigError, "Unknown target");
  assertThrows(() => planUp(FILES, [row("001"), row("003")]), ConfigError, "Out-of-order migration 002_m002");
  assertEquals(
    planUp(FILES, [row("001"), row("003")], { allowOutOfOrder: true }).toApply.map((f) => f.version),
    ["002", "004"],
  );
});

Deno.test("planDown: newest first, by steps or target; refuses when a down file is missing", () => {
  const applied = ["001", "002", "003"].map(row);
  assertEquals(planDown(FILES, applied).map((s) => s.file.version), ["003"]);
  assertEquals(planDown(FILES, applied, { steps: 2 }).map((s) => s.file.version), ["003", "002"]);
  assertEquals(planDown(FILES, applied, { target: "001" }).map((s) => s.file.version), ["003", "002"]);
  assertEquals(planDown(FILES, applied, { target: "0" }).map((s) => s.file.version), ["003", "002", "001"]);
  assertThrows(() => planDown(FILES, applied, { target: "004" }), ConfigError, "not applied");
  const noDown = [file("001"), file("002", false), file("003")];
  assertThrows(() => planDown(noDown, applied, { steps: 2 }), IrreversibleError, "002_m002: no .down.sql file");
  assertEquals(planDown(noDown, applied, { steps: 1 }).map((s) => s.file.version), ["003"]);
  assertEquals(planDown(FILES, []), []);
});
