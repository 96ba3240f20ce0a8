/**
 * Pure planning: which migrations to apply or roll back, given the files and the tracking rows.
 *
 * @module
 */
import { ConfigError, IrreversibleError } from "../errors.ts";
import { compareVersions, isVersion, type MigrationFile, versionKey } from "./files.ts";
import type { AppliedMigration } from "./tracking_table.ts";

/** Options that limit a plan. */
export interface PlanOptions {
  steps?: number;
  target?: string;
  allowOutOfOrder?: boolean;
}

/** What `up` will do. */
export interface UpPlan {
  toApply: MigrationFile[];
  /** Pending but left out by steps/target. */
  skipped: MigrationFile[];
}

function sameVersion(a: string, b: string): boolean {
  return versionKey(a) === versionKey(b);
}

function checkSteps(steps: number | undefined): void {
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new ConfigError(`--steps must be a whole number of at least 1, got ${steps}`);
  }
}

/**
 * Plan `up`: pending files in version order, limited by `steps` and `target` (inclusive).
 * A pending file older than the newest applied one (a branch merged late) is refused unless
 * `allowOutOfOrder`.
 */
export function planUp(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  options: PlanOptions = {},
): UpPlan {
  checkSteps(options.steps);
  if (options.target !== undefined && !files.some((f) => sameVersion(f.version, options.target!))) {
    throw new ConfigError(`Unknown target version ${options.target}: no migration file has that version`);
  }
  const appliedVersions = applied.map((a) => a.version);
  const appliedKeys = new Set(appliedVersions.map(versionKey));
  const pending = files.filter((f) => !appliedKeys.has(versionKey(f.version)));
  const newestApplied = appliedVersions.filter(isVersion).sort(compareVersions).at(-1);
  if (newestApplied !== undefined && !options.allowOutOfOrder) {
    const late = pending.filter((f) => compareVersions(f.version, newestApplied) < 0);
    if (late.length > 0) {
      throw new ConfigError(
        `Out-of-order migration${late.length > 1 ? "s" : ""} ${
          late.map((f) => `${f.version}_${f.name}`).join(", ")
        }: ` +
          `older than ${newestApplied}, which is already applied`,
        {
          code: "OUT_OF_ORDER",
          hint:
            "A branch was probably merged after newer migrations were deployed. Renumber the file, or apply it anyway with --allow-out-of-order",
        },
      );
    }
  }
  let toApply = pending;
  if (options.target !== undefined) toApply = toApply.filter((f) => compareVersions(f.version, options.target!) <= 0);
  if (options.steps !== undefined) toApply = toApply.slice(0, options.steps);
  return { toApply, skipped: pending.filter((f) => !toApply.includes(f)) };
}

/** One rollback step: the tracking row and its files. */
export interface DownStep {
  applied: AppliedMigration;
  file: MigrationFile;
  downPath: string;
}

/**
 * Plan `down`: the newest applied migrations first, `steps` of them (default 1), or every one
 * newer than `target` (`0` rolls everything back). Refuses (exit 8) before anything runs when a
 * needed down file is missing.
 */
export function planDown(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  options: PlanOptions = {},
): DownStep[] {
  checkSteps(options.steps);
  const newestFirst = [...applied].reverse();
  let chosen: AppliedMigration[];
  if (options.target !== undefined) {
    const t = options.target;
    if (!isVersion(t)) throw new ConfigError(`Invalid target version "${t}"`);
    if (compareVersions(t, "0") !== 0 && !applied.some((a) => sameVersion(a.version, t))) {
      throw new ConfigError(`Target version ${t} is not applied; use an applied version, or 0 to roll back everything`);
    }
    chosen = newestFirst.filter((a) => !isVersion(a.version) || compareVersions(a.version, t) > 0);
    if (options.steps !== undefined) chosen = chosen.slice(0, options.steps);
  } else chosen = newestFirst.slice(0, options.steps ?? 1);

  const problems: string[] = [];
  const steps: DownStep[] = [];
  const byKey = new Map(files.map((f) => [versionKey(f.version), f]));
  for (const a of chosen) {
    const file = byKey.get(versionKey(a.version));
    if (!file) problems.push(`${a.version}_${a.name}: its migration files are missing`);
    else if (!file.downPath) problems.push(`${a.version}_${a.name}: no .down.sql file`);
    else steps.push({ applied: a, file, downPath: file.downPath });
  }
  if (problems.length > 0) {
    throw new IrreversibleError(
      `Cannot roll back: ${problems.join("; ")}. Nothing was rolled back.`,
      { hint: "Write the missing .down.sql files, or roll back fewer steps" },
    );
  }
  return steps;
}
