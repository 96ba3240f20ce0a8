/**
 * The planner's vocabulary: what it reads (a catalog snapshot plus the few facts only the
 * planner needs), what it produces (migrations, hazards, rename hints) and how it is steered.
 *
 * @module
 */
import type { CatalogSnapshot } from "../catalog/types.ts";

/** Facts the planner needs beyond the check-schema snapshot, read by `readPlanFacts`. */
export interface PlanFacts {
  /** `pg_get_functiondef` per function key (`schema.name(args)`); aggregates are absent. */
  functionDefs: Record<string, string>;
  /** `pg_get_viewdef(oid, true)` per view, as PostgreSQL lays it out. */
  viewDefs: Record<string, string>;
  /** Output columns of each view (`schema.view`), in order, as `name type`. */
  viewColumns: Record<string, string[]>;
  /** Relations each view reads (`schema.name`), from its rewrite rule. */
  viewDeps: Record<string, string[]>;
  /** Columns each view reads, as `schema.table.column`. */
  viewColumnDeps: Record<string, string[]>;
  /** Domain constraint names per domain, in the order of `checks`. */
  domainCheckNames: Record<string, string[]>;
  /**
   * Columns (`schema.table.column`) each index, constraint, policy, trigger and generated column
   * depends on, from `pg_depend`, keyed by kind and then by `schema.owner_table.name`. A
   * constraint lists its own columns and the ones it references; a generated column the ones its
   * expression reads. Absent when not read (all empty).
   */
  objectColumns?: ObjectColumns;
}

/** The kinds of objects on a table that depend on its columns (`generated`: a generated column). */
export type DependentKind = "index" | "constraint" | "policy" | "trigger" | "generated";

/** {@link PlanFacts.objectColumns}. */
export type ObjectColumns = Record<DependentKind, Record<string, string[]>>;

/** A catalog snapshot with the planner's facts. */
export interface PlanInput {
  catalog: CatalogSnapshot;
  facts: PlanFacts;
}

/** What kind of harm a change can do to a live database. */
export type HazardKind =
  /** Data is lost: a dropped table or column, a narrowed type, a removed enum value. */
  | "data-loss"
  /** Every row is rewritten under an ACCESS EXCLUSIVE lock. */
  | "rewrite"
  /** A lock that blocks writes for longer than a catalog change. */
  | "lock"
  /** The change needs data the schema cannot supply (a NOT NULL column without a default). */
  | "backfill";

/** Every hazard kind, for flag validation. */
export const HAZARD_KINDS: readonly HazardKind[] = ["data-loss", "rewrite", "lock", "backfill"];

/** A named hazard. */
export interface Hazard {
  kind: HazardKind;
  /** The object concerned, qualified. */
  object: string;
  message: string;
  /** Whether `--allow-hazard` covers it (its statements are then written, with a comment). */
  allowed: boolean;
}

/** A change the planner cannot express as SQL; the command stops and lists it. */
export interface Unsupported {
  object: string;
  message: string;
}

/** A drop and an add that look like a rename, with the flag that says so. */
export interface RenameHint {
  kind: "table" | "column";
  from: string;
  to: string;
  /** The `--rename` value that turns the pair into a RENAME. */
  flag: string;
}

/** Which migration of the set a statement goes to. */
export type Stage =
  /** `ALTER TYPE … ADD VALUE`: cannot be used in the transaction that adds it. */
  | "enum_values"
  /** Everything that is plain DDL, in one transaction. */
  | "main"
  /** `CREATE INDEX CONCURRENTLY` on existing tables: statement by statement. */
  | "concurrently"
  /** `VALIDATE CONSTRAINT`, `… USING INDEX`, `SET NOT NULL` after a validated check. */
  | "validate"
  /** `VALIDATE` of foreign keys added NOT VALID in the validate migration, once their key exists. */
  | "validate_foreign_keys";

/** One planned step: SQL for the up and the down, a place in the order. */
export interface Change {
  stage: Stage;
  /** Dependency phase: lower runs first in the up, last in the down. */
  phase: number;
  /** The object changed, qualified. */
  object: string;
  /** `add column`, `create view`, … */
  action: string;
  up: string[];
  down: string[];
  /** Comment lines written above the statements (hazard acknowledgements, allow directives). */
  notes?: string[];
}

/** One migration to write. */
export interface PlannedMigration {
  stage: Stage;
  /** Filled in by the caller: version and name. */
  version: string;
  name: string;
  up: string;
  down: string;
}

/** Options that steer the planner. */
export interface PlanOptions {
  /** Hazard kinds the user accepts. */
  allowHazards?: readonly HazardKind[];
  /** `table.old=new` (column) or `old_table=new_table` renames. */
  renames?: readonly string[];
}

/** The planner's answer. */
export interface Plan {
  changes: Change[];
  hazards: Hazard[];
  unsupported: Unsupported[];
  renameHints: RenameHint[];
}
