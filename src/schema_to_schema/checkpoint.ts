/**
 * Per-table checkpoints, kept in the target's staging schema and written in the same
 * transaction as each batch, so a crash never loses or repeats a committed batch.
 *
 * @module
 */
import { qualifiedKey, type QualifiedName } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { quoteIdent, quoteLiteral, quoteQualified } from "../db/quote.ts";

/** The checkpoint table's name inside the staging schema. */
export const CHECKPOINT_TABLE = "confiture_checkpoint";

/** One table's progress. */
export interface Checkpoint {
  table: string;
  strategy: string;
  /** The last copied key (as text, one element per key column); null before the first batch. */
  lastKey: string[] | null;
  rowsCopied: number;
  done: boolean;
  /** Source clock when the copy began: the lower bound for the first catch-up. */
  copyStartedAt: string | null;
  /** Source clock when the last catch-up began: the lower bound for the next one. */
  caughtUpAt: string | null;
  /** Why the last run of this table stopped, until a later run finishes it. */
  lastError: string | null;
}

/** The quoted checkpoint table. */
export function checkpointTable(staging: string): string {
  return quoteQualified(staging, CHECKPOINT_TABLE);
}

/** Create the staging schema and checkpoint table when missing. */
export async function ensureCheckpointTable(db: Queryable, staging: string): Promise<void> {
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(staging)};
    CREATE TABLE IF NOT EXISTS ${checkpointTable(staging)} (
      target_table text PRIMARY KEY,
      strategy text NOT NULL,
      last_key text[],
      rows_copied bigint NOT NULL DEFAULT 0,
      done boolean NOT NULL DEFAULT false,
      copy_started_at timestamptz,
      caught_up_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now());
    ALTER TABLE ${checkpointTable(staging)} ADD COLUMN IF NOT EXISTS last_error text`);
}

/** Whether the checkpoint table exists (it does not before the first setup or migrate). */
async function exists(db: Queryable, staging: string): Promise<boolean> {
  const [row] = await db.query<{ ok: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS ok",
    [checkpointTable(staging)],
  );
  return row.ok;
}

/** Read one table's checkpoint. */
export async function readCheckpoint(
  db: Queryable,
  staging: string,
  table: QualifiedName,
): Promise<Checkpoint | undefined> {
  return (await readCheckpoints(db, staging)).get(qualifiedKey(table));
}

/** Read every checkpoint, keyed by `schema.table`. */
export async function readCheckpoints(db: Queryable, staging: string): Promise<Map<string, Checkpoint>> {
  if (!(await exists(db, staging))) return new Map();
  const rows = await db.query<{
    target_table: string;
    strategy: string;
    last_key: string[] | null;
    rows_copied: string;
    done: boolean;
    copy_started_at: string | null;
    caught_up_at: string | null;
    last_error: string | null;
  }>(
    `SELECT target_table, strategy, last_key, rows_copied::text AS rows_copied, done,
            copy_started_at::text AS copy_started_at, caught_up_at::text AS caught_up_at,
            to_jsonb(c) ->> 'last_error' AS last_error
       FROM ${checkpointTable(staging)} c`,
  );
  return new Map(rows.map((r) => [r.target_table, {
    table: r.target_table,
    strategy: r.strategy,
    lastKey: r.last_key,
    rowsCopied: Number(r.rows_copied),
    done: r.done,
    copyStartedAt: r.copy_started_at,
    caughtUpAt: r.caught_up_at,
    lastError: r.last_error,
  }]));
}

/** Start (or restart) a table's checkpoint at the beginning. */
export async function startCheckpoint(
  db: Queryable,
  staging: string,
  table: QualifiedName,
  strategy: string,
  copyStartedAt: string,
): Promise<void> {
  await db.query(
    `INSERT INTO ${checkpointTable(staging)} (target_table, strategy, copy_started_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT (target_table) DO UPDATE SET strategy = EXCLUDED.strategy, last_key = NULL, rows_copied = 0,
       done = false, copy_started_at = EXCLUDED.copy_started_at, caught_up_at = NULL, last_error = NULL,
       updated_at = now()`,
    [qualifiedKey(table), strategy, copyStartedAt],
  );
}

/** Record a committed batch; call inside the batch's transaction. */
export async function advanceCheckpoint(
  db: Queryable,
  staging: string,
  table: QualifiedName,
  lastKey: readonly string[],
  rows: number,
): Promise<void> {
  await db.query(
    `UPDATE ${
      checkpointTable(staging)
    } SET last_key = ARRAY(SELECT jsonb_array_elements_text($2::text::jsonb)), rows_copied = rows_copied + $3, updated_at = now()
      WHERE target_table = $1`,
    [qualifiedKey(table), JSON.stringify(lastKey), rows],
  );
}

/**
 * The same update as {@link advanceCheckpoint} as one literal statement, to send in one
 * round trip with the COMMIT that follows it.
 */
export function advanceCheckpointStatement(
  staging: string,
  table: QualifiedName,
  lastKey: readonly string[],
  rows: number,
): string {
  const key = `ARRAY[${lastKey.map(quoteLiteral).join(", ")}]::text[]`;
  return `UPDATE ${checkpointTable(staging)} SET last_key = ${key}, rows_copied = rows_copied + ${Math.trunc(rows)},
    updated_at = now() WHERE target_table = ${quoteLiteral(qualifiedKey(table))}`;
}

/** Mark a table's copy complete. */
export async function finishCheckpoint(db: Queryable, staging: string, table: QualifiedName): Promise<void> {
  await db.query(
    `UPDATE ${checkpointTable(staging)} SET done = true, last_error = NULL, updated_at = now() WHERE target_table = $1`,
    [qualifiedKey(table)],
  );
}

/** Remember why a run of this table stopped, for `analyze` and the next run. */
export async function recordCheckpointError(
  db: Queryable,
  staging: string,
  table: QualifiedName,
  message: string,
): Promise<void> {
  await db.query(
    `UPDATE ${checkpointTable(staging)} SET last_error = $2, updated_at = now() WHERE target_table = $1`,
    [qualifiedKey(table), message],
  );
}

/** Record the start of a completed catch-up as the next one's lower bound. */
export async function recordCatchUp(db: Queryable, staging: string, table: QualifiedName, at: string): Promise<void> {
  await db.query(
    `UPDATE ${checkpointTable(staging)} SET caught_up_at = $2::timestamptz, updated_at = now() WHERE target_table = $1`,
    [qualifiedKey(table), at],
  );
}
