/**
 * Loading one group of tables (one table, or a foreign-key cycle) into the target in one
 * transaction: clear, stream, verify the row count, move sequences, checkpoint.
 *
 * @module
 */
import type { Queryable, ReservedSession, Session } from "../db/database.ts";
import { quoteIdent } from "../db/quote.ts";
import { ConfitureError, SchemaError } from "../errors.ts";
import type { EventSink } from "../events.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { countCopyRows, type FieldRewriter, wholeLines } from "./copy_text.ts";
import { rewriteCopyRows } from "./copy_rewrite.ts";
import { maskOnWorkers, type MaskPool } from "./mask_pool.ts";
import type { LoadGroup } from "./plan.ts";
import type { SyncOptions, SyncTableReport } from "./sync_types.ts";
import { agree, count } from "../plural.ts";
import { sqlName } from "./names.ts";

/** Source and target disagree on rows after a load (exit 1). */
export class RowCountMismatchError extends ConfitureError {
  constructor(message: string, details: Record<string, unknown>) {
    super("SYNC_ROW_COUNT_MISMATCH", 1, message, { details });
  }
}

// Below this many rows, starting workers costs more than it saves.
const WORKER_THRESHOLD = 20_000;

/**
 * Load one group (a table, or a foreign-key cycle) in one target transaction. `counter`, a
 * second source session on `src`'s snapshot, counts each table's source rows while it streams.
 */
export async function loadGroup(
  src: Session,
  tgt: ReservedSession,
  group: LoadGroup,
  rewriters: Map<string, Map<number, FieldRewriter>>,
  sourceLabel: string,
  options: SyncOptions,
  emit: EventSink,
  counter?: Queryable,
): Promise<SyncTableReport[]> {
  const reports: SyncTableReport[] = [];
  const withoutTriggers = group.cyclic && !group.deferrable;
  await tgt.transaction(async (tx) => {
    await tx.exec("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'");
    if (group.cyclic && group.deferrable) await tx.exec("SET CONSTRAINTS ALL DEFERRED");
    // Foreign keys inside a cycle of non-deferrable constraints cannot hold row by row: load
    // with triggers off (superuser), then check every key explicitly before committing.
    if (withoutTriggers) await tx.exec("SET LOCAL session_replication_role = replica");
    for (const t of group.tables) {
      const startedAt = performance.now();
      const table = sqlName(t.key);
      const columns = t.columns.map(quoteIdent).join(", ");
      // Clear again inside this transaction: an interrupted earlier attempt left nothing
      // committed, and a truncate here lets COPY FREEZE skip later hint-bit writes.
      const freeze = !group.cyclic && !t.referenced && !t.targetPartitioned;
      if (freeze) await tx.exec(`TRUNCATE ${table}`);
      else await tx.exec(`DELETE FROM ${table}`);
      if (t.userTriggers && !withoutTriggers) await tx.exec(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      const countSql = `SELECT count(*)::text AS n FROM ${t.sourcePartitioned ? "" : "ONLY "}${table}`;
      const estimate = t.estimate !== undefined && t.estimate > 0 ? Math.round(t.estimate) : undefined;
      // With an estimate for the progress total, the exact count can wait for the end of the COPY.
      const beside = estimate !== undefined && counter !== undefined;
      const counting = (beside ? counter : src).query<{ n: string }>(countSql).then(([{ n }]) => Number(n));
      counting.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
      if (!beside) await counting; // src itself is busy once its COPY starts
      const total = estimate ?? await counting;
      let streamed = 0;
      let reported = 0;
      const every = options.progressEvery ?? 50_000;
      emit({ type: "progress", task: t.key, done: 0, total: total > 0 ? total : undefined, unit: "rows" });
      const onRows = (n: number) => {
        streamed += n;
        if (streamed - reported >= every) {
          reported = streamed;
          // Past the estimate the total is unknown; done === total marks the table finished.
          emit({
            type: "progress",
            task: t.key,
            done: streamed,
            total: total > streamed ? total : undefined,
            unit: "rows",
          });
        }
      };
      const tableRewriters = rewriters.get(t.key)!;
      const copyOut = t.sourcePartitioned
        ? `COPY (SELECT ${columns} FROM ${table}) TO STDOUT`
        : `COPY ${table} (${columns}) TO STDOUT`;
      const workers = options.workers ?? 0;
      let pool: MaskPool | undefined;
      let data = src.copyOut(copyOut);
      if (tableRewriters.size === 0) data = data.pipeThrough(countCopyRows(onRows));
      else if (workers > 0 && total >= WORKER_THRESHOLD) {
        pool = maskOnWorkers(t.masked, options.key, workers, onRows);
        data = data.pipeThrough(wholeLines()).pipeThrough(pool.stream);
      } else data = data.pipeThrough(rewriteCopyRows(tableRewriters, onRows));
      try {
        await tgt.copyIn(`COPY ${table} (${columns}) FROM STDIN${freeze ? " WITH (FREEZE)" : ""}`, data);
      } finally {
        pool?.dispose();
      }
      const expected = await counting;
      const [{ n: targetRows }] = await tx.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${t.targetPartitioned ? "" : "ONLY "}${table}`,
      );
      if (Number(targetRows) !== expected || streamed !== expected) {
        throw new RowCountMismatchError(
          `Row count mismatch for ${t.key}: ${expected} in the source, ${targetRows} in the target`,
          { table: t.key, source_rows: expected, target_rows: Number(targetRows), streamed_rows: streamed },
        );
      }
      for (const s of t.sequences) {
        await tx.query(
          `SELECT setval($1::regclass, m) FROM (SELECT max(${quoteIdent(s.column)}) AS m FROM ${table}) x
            WHERE m IS NOT NULL`,
          [s.sequence],
        );
      }
      if (t.userTriggers && !withoutTriggers) await tx.exec(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      await writeCheckpoint(tx, t.key, sourceLabel, expected);
      const duration = Math.round(performance.now() - startedAt);
      emit({ type: "progress", task: t.key, done: expected, total: expected, unit: "rows" });
      reports.push({
        name: t.key,
        rows: expected,
        duration_ms: duration,
        anonymized_columns: t.masked.map((m) => t.columns[m.index]),
      });
    }
    if (withoutTriggers) {
      for (const fk of group.foreignKeys) await assertForeignKey(tx, fk);
    }
  });
  return reports;
}

async function assertForeignKey(
  tx: Queryable,
  fk: { name: string; child: string; parent: string; childColumns: string[]; parentColumns: string[] },
): Promise<void> {
  const notNull = fk.childColumns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(" AND ");
  const match = fk.childColumns.map((c, i) => `p.${quoteIdent(fk.parentColumns[i])} = c.${quoteIdent(c)}`).join(
    " AND ",
  );
  const [{ n }] = await tx.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${sqlName(fk.child)} c
      WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${sqlName(fk.parent)} p WHERE ${match})`,
  );
  if (Number(n) > 0) {
    throw new SchemaError(
      `${count(Number(n), "row")} of ${fk.child} ${
        agree(Number(n), "violates", "violate")
      } foreign key ${fk.name} to ${fk.parent} after the load`,
      {
        code: "SYNC_FK_VIOLATION",
      },
    );
  }
}

/** `schema.name` as a quoted SQL name. */
export { sqlName };
