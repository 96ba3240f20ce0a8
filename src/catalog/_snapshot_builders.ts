/**
 * Builders of catalog snapshot pieces for table-driven tests: the catalog comparison's tests
 * and the diff planner's (`src/diff/_plan_test_helpers.ts`) build the same snapshots.
 *
 * @module
 */
import type { ColumnSnapshot, TableSnapshot } from "./types.ts";

/** A column snapshot: nullable, no default, at `position`. */
export function col(type: string, extra: Partial<ColumnSnapshot> = {}, position = 1): ColumnSnapshot {
  return {
    position,
    type,
    nullable: true,
    default: null,
    identity: null,
    identityOptions: null,
    generated: null,
    collation: null,
    comment: null,
    ...extra,
  };
}

/** A table snapshot with `columns` and nothing else unless `extra` says so. */
export function table(columns: Record<string, ColumnSnapshot>, extra: Partial<TableSnapshot> = {}): TableSnapshot {
  return {
    kind: "table",
    columns,
    constraints: {},
    indexes: {},
    triggers: {},
    rowSecurity: false,
    partitionKey: null,
    partitionOf: null,
    policies: {},
    comment: null,
    ...extra,
  };
}
