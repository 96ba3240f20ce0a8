import { assertEquals } from "../../tests/_helpers/assert.ts";
import { planAdoption } from "./adopt.ts";
import type { ForeignHistory } from "./adopt_sources.ts";
import type { MigrationFile } from "./files.ts";

const files: MigrationFile[] = ["001_a", "002_b", "003_c", "004_d"].map((stem) => ({
  version: stem.slice(0, 3),
  name: stem.slice(4),
  upPath: `/m/${stem}.up.sql`,
}));

const history = (h: Partial<ForeignHistory>): ForeignHistory => ({
  tool: "dbmate",
  table: "public.schema_migrations",
  applied: [],
  through: null,
  byName: false,
  ...h,
});

Deno.test("planAdoption: versions meet files numerically; unknown versions and gaps are listed", () => {
  const plan = planAdoption(
    files,
    history({ applied: [{ version: "1", name: null }, { version: "3", name: null }, { version: "9", name: null }] }),
    new Set(),
  );
  assertEquals(plan, {
    adopted: [{ version: "001", name: "a", recorded_as: "1" }, { version: "003", name: "c", recorded_as: "3" }],
    already_recorded: [],
    missing_files: [{ version: "9", name: null }],
    not_applied_between: [{ version: "002", name: "b" }],
    pending: ["004"],
  });
});

Deno.test("planAdoption: a high-water mark covers every file at or below it; recorded ones are kept", () => {
  const plan = planAdoption(
    files,
    history({ tool: "golang-migrate", applied: [{ version: "3", name: null }], through: "3" }),
    new Set(["1"]),
  );
  assertEquals(plan.adopted.map((a) => a.version), ["002", "003"]);
  assertEquals([plan.already_recorded, plan.missing_files, plan.pending], [["001"], [], ["004"]]);
});

Deno.test("planAdoption: sqitch changes match file names; a Flyway dotted version has no file", () => {
  const sqitch = planAdoption(
    files,
    history({ tool: "sqitch", byName: true, applied: [{ version: "b", name: "b" }, { version: "a", name: "a" }] }),
    new Set(),
  );
  assertEquals(sqitch.adopted.map((a) => [a.version, a.recorded_as]), [["001", "a"], ["002", "b"]]);
  const flyway = planAdoption(files, history({ tool: "flyway", applied: [{ version: "1.1", name: "x" }] }), new Set());
  assertEquals([flyway.adopted, flyway.missing_files], [[], [{ version: "1.1", name: "x" }]]);
});
