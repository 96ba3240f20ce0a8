/**
 * What a rule sees while checking one statement, and what it reports.
 *
 * @module
 */
import type { RelName } from "./ast.ts";
import type { BatchState } from "./batch_state.ts";
import type { LiveFacts } from "./live_facts.ts";
import type { Statement } from "../sql/split.ts";
import type { RuleId, Severity } from "../config/lint_rules.ts";

/** The facts available while checking a statement of an up migration. */
export interface RuleContext {
  /** Version of the migration being checked. */
  version: string;
  /** The transaction the statement runs in: `version#segment` (see run_mode.ts). */
  where: string;
  /** What earlier statements of the batch created. */
  batch: BatchState;
  /** The connected database's facts, when linting with a connection. */
  facts?: LiveFacts;
  /** Whether a non-zero lock_timeout is in force at this statement. */
  lockTimeoutActive: boolean;
  /** The line of the file's statement that set lock_timeout to 0 ("wait forever") or reset it. */
  lockTimeoutOffAt?: number;
}

/** A finding before severity, position and allows are resolved. */
export interface RawFinding {
  rule: RuleId;
  stmt?: Statement;
  /** Where to point when there is no statement (e.g. a bad allow comment). */
  at?: { line: number; column: number };
  message: string;
  /** The table whose size decides the severity of lock rules. */
  table?: RelName;
  /** Force a lower severity when the rule cannot be sure (e.g. unknown function volatility). */
  uncertain?: boolean;
}

/** Severity of a finding's rule after configuration. */
export type SeverityOverride = Severity | "off";

/**
 * Whether the relation already exists outside this batch (an unknown relation counts as
 * existing); one created earlier in the batch, of any kind (table, sequence, view, index…), is
 * not live. A `pg_temp` relation never is: it belongs to the migration's own session.
 */
export function isExisting(ctx: RuleContext, rel: RelName | undefined): rel is RelName {
  return rel !== undefined && rel.schema !== "pg_temp" && !ctx.batch.isNewRelation(rel);
}
