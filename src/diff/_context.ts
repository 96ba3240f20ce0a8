/**
 * The state one planning run shares between the per-object planners. Module-private.
 *
 * @module
 */
import type { Change, Hazard, HazardKind, PlanInput, Stage, Unsupported } from "./types.ts";

/** Dependency phases: lower runs first in the up and last in the down. */
export const PHASE = {
  /** Grants of objects the up drops: the last step of the down, once they are back. */
  regrant: 9,
  dropTrigger: 10,
  dropPolicy: 10,
  dropFunctionForRecreate: 10,
  dropView: 11,
  dropForeignKey: 12,
  releaseSequence: 12,
  dropConstraint: 13,
  dropIndex: 13,
  /** A generated column reading a column whose type changes goes before ALTER TYPE. */
  dropGeneratedForRetype: 14,
  schema: 20,
  extension: 21,
  enum: 22,
  domain: 23,
  sequence: 24,
  function: 25,
  renameTable: 29,
  createTable: 30,
  column: 31,
  ownedBy: 32,
  constraint: 33,
  foreignKey: 34,
  index: 35,
  /** A generated column that is rebuilt goes first, so columns it reads can be dropped after it. */
  dropGeneratedColumn: 35.5,
  dropColumn: 36,
  /** ...and comes back once those columns are gone. */
  addGeneratedColumn: 36.5,
  /** Constraints and indexes on a column dropped and added again come back after it. */
  lateConstraint: 36.6,
  lateForeignKey: 36.7,
  lateIndex: 36.8,
  dropTable: 37,
  lateFunction: 40,
  view: 41,
  viewIndex: 42,
  trigger: 43,
  policy: 44,
  grant: 45,
  comment: 50,
  dropFunction: 60,
  dropSequence: 61,
  dropDomain: 62,
  dropEnum: 63,
  dropExtension: 64,
  dropSchema: 65,
} as const;

/** Everything a planner reads and writes. */
export class PlanContext {
  readonly changes: Change[] = [];
  readonly hazards: Hazard[] = [];
  readonly unsupported: Unsupported[] = [];
  /** Columns (`schema.table.column`) whose type changes or that go away: views reading them are rebuilt. */
  readonly touchedColumns = new Set<string>();
  /** Relations dropped (or rebuilt) by the up. */
  readonly droppedRelations = new Set<string>();
  /** Columns whose type changes in place (ALTER COLUMN … TYPE, an enum rebuilt under them). */
  readonly retypedColumns = new Set<string>();
  /** Columns dropped and added again (a generated column whose expression changes). */
  readonly rebuiltColumns = new Set<string>();
  /**
   * Objects the desired state keeps unchanged that must still be dropped before the columns
   * change and created again after, as `kind schema.table.name` (kind: index, constraint,
   * policy, trigger); filled by `plan_dependents.ts`.
   */
  readonly rebuild = new Set<string>();
  /** Views the up drops and creates again (their CREATE carries their grants); filled by `plan_views.ts`. */
  readonly rebuiltViews = new Set<string>();

  constructor(
    readonly current: PlanInput,
    readonly desired: PlanInput,
    readonly allow: ReadonlySet<HazardKind>,
  ) {}

  /** Add a change. */
  add(
    stage: Stage,
    phase: number,
    object: string,
    action: string,
    up: string[],
    down: string[],
    notes?: string[],
  ): void {
    this.changes.push({ stage, phase, object, action, up, down, ...(notes?.length ? { notes } : {}) });
  }

  /** Name a hazard; returns the comment lines its statements carry. */
  hazard(kind: HazardKind, object: string, message: string): string[] {
    const allowed = this.allow.has(kind);
    if (!this.hazards.some((h) => h.kind === kind && h.object === object && h.message === message)) {
      this.hazards.push({ kind, object, message, allowed });
    }
    return [`-- hazard ${kind}: ${message} (written with --allow-hazard ${kind})`];
  }

  /** Record a change the planner cannot write. */
  cannot(object: string, message: string): void {
    this.unsupported.push({ object, message });
  }
}

/** A `-- confiture:allow` directive for the statement it precedes. */
export function allowLint(rule: string, why: string): string {
  return `-- confiture:allow ${rule} ${why}`;
}
