/**
 * Per-table checkpoints kept in the target, written in the same transaction as the table's
 * data: a row with `rows` set exists exactly when that table's load committed, so `--resume`
 * can trust it. A failed run leaves a row with `rows` NULL and `last_error` for each table it
 * did not finish (a finished row from an earlier run keeps its rows and gains the error).
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";

/** The checkpoint table, created in the target's current schema; catalog diffs skip `confiture*` names. */
export const CHECKPOINT_TABLE = "confiture_sync_checkpoint";

/** A finished table as recorded in the target. */
export interface Checkpoint {
  table: string;
  source: string;
  rows: number;
}

/** Create the checkpoint table if needed (and add the failure columns to an older one). */
export async function ensureCheckpointTable(q: Queryable): Promise<void> {
  await q.exec(
    `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
       table_name text PRIMARY KEY,
       source text NOT NULL,
       rows bigint,
       finished_at timestamptz DEFAULT now(),
       last_error text,
       failed_at timestamptz
     )`,
  );
  const [{ current }] = await q.query<{ current: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                     WHERE attrelid = to_regclass('${CHECKPOINT_TABLE}') AND attname = 'last_error') AS current`,
  );
  if (!current) {
    await q.exec(
      `ALTER TABLE ${CHECKPOINT_TABLE} ALTER COLUMN rows DROP NOT NULL, ALTER COLUMN finished_at DROP NOT NULL,
         ADD COLUMN last_error text, ADD COLUMN failed_at timestamptz`,
    );
  }
}

/** Every finished table. */
export async function readCheckpoints(q: Queryable): Promise<Checkpoint[]> {
  const rows = await q.query<{ table_name: string; source: string; rows: string | number }>(
    `SELECT table_name, source, rows::text AS rows FROM ${CHECKPOINT_TABLE} WHERE rows IS NOT NULL
      ORDER BY table_name`,
  );
  return rows.map((r) => ({ table: r.table_name, source: r.source, rows: Number(r.rows) }));
}

/** Forget the checkpoints of `tables` (all when omitted). */
export async function clearCheckpoints(q: Queryable, tables?: readonly string[]): Promise<void> {
  if (tables === undefined) await q.exec(`DELETE FROM ${CHECKPOINT_TABLE}`);
  else if (tables.length > 0) {
    await q.query(`DELETE FROM ${CHECKPOINT_TABLE} WHERE table_name = ANY($1::text[])`, [tables]);
  }
}

/** Record that `table` finished with `rows` rows. */
export async function writeCheckpoint(q: Queryable, table: string, source: string, rows: number): Promise<void> {
  await q.query(
    `INSERT INTO ${CHECKPOINT_TABLE} (table_name, source, rows) VALUES ($1, $2, $3)
     ON CONFLICT (table_name) DO UPDATE SET source = EXCLUDED.source, rows = EXCLUDED.rows, finished_at = now(),
       last_error = NULL, failed_at = NULL`,
    [table, source, rows],
  );
}

/**
 * Note why a run stopped on each table it did not finish. A table cleared by this run has no
 * row and gets one without `rows`; a finished row of an earlier run (its data untouched, since
 * clearing rows and data commit together) keeps its rows.
 */
export async function recordFailure(
  q: Queryable,
  tables: readonly string[],
  source: string,
  error: string,
): Promise<void> {
  if (tables.length === 0) return;
  await q.query(
    `INSERT INTO ${CHECKPOINT_TABLE} (table_name, source, rows, finished_at, last_error, failed_at)
     SELECT t, $2, NULL, NULL, $3, now() FROM unnest($1::text[]) AS t
     ON CONFLICT (table_name) DO UPDATE SET last_error = EXCLUDED.last_error, failed_at = EXCLUDED.failed_at`,
    [tables, source, error],
  );
}
