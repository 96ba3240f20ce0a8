/**
 * Per-table checkpoints kept in the target, written in the same transaction as the table's
 * data: a row exists exactly when that table's load committed, so `--resume` can trust it.
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

/** Create the checkpoint table if needed. */
export async function ensureCheckpointTable(q: Queryable): Promise<void> {
  await q.exec(
    `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
       table_name text PRIMARY KEY,
       source text NOT NULL,
       rows bigint NOT NULL,
       finished_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
}

/** Every recorded checkpoint. */
export async function readCheckpoints(q: Queryable): Promise<Checkpoint[]> {
  const rows = await q.query<{ table_name: string; source: string; rows: string | number }>(
    `SELECT table_name, source, rows::text AS rows FROM ${CHECKPOINT_TABLE} ORDER BY table_name`,
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
     ON CONFLICT (table_name) DO UPDATE SET source = EXCLUDED.source, rows = EXCLUDED.rows, finished_at = now()`,
    [table, source, rows],
  );
}
