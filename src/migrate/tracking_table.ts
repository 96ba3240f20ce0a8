/**
 * The tracking table (`tb_confiture` by default): its DDL and every query on it, in one place.
 * Columns match the Python original so a database it tracks is read and continued correctly;
 * Confiture adds nullable columns of its own (`down_checksum`, `lint_allowed`).
 *
 * @module
 */
import type { TableName } from "../config/environment.ts";
import type { Queryable } from "../db/database.ts";
import { quoteIdent, quoteLiteral, quoteQualified } from "../db/quote.ts";
import { compareVersions } from "./files.ts";

/** One row of the tracking table. */
export interface AppliedMigration {
  version: string;
  name: string;
  slug: string;
  /** ISO-8601 with offset, e.g. `2026-01-15T10:30:00.123456+00:00`. */
  applied_at: string;
  execution_time_ms: number | null;
  checksum: string | null;
  down_checksum: string | null;
  applied_by: string | null;
}

/** The values written when a migration is recorded. */
export interface RecordMigration {
  version: string;
  name: string;
  /** Suffix appended to the slug for rows not produced by running the file (`baseline`, `reinit`, `build`). */
  slugSuffix?: string;
  executionTimeMs: number;
  checksum: string;
  downChecksum?: string | null;
  lintAllowed?: unknown;
}

/** Confiture's columns that tables written by the Python original lack. */
export const OPTIONAL_COLUMNS = ["applied_by", "down_checksum", "lint_allowed"] as const;

/** What {@link TrackingTable.locate} finds. */
export interface TrackingLocation {
  exists: boolean;
  /** `schema.table`. */
  qualified: string;
  /** Which of {@link OPTIONAL_COLUMNS} the table has. */
  optionalColumns: ReadonlySet<string>;
  /** Whether the progress journal table exists. */
  hasProgress: boolean;
}

/** Progress of a migration that runs outside one transaction and stopped midway. */
export interface PartialRun {
  version: string;
  name: string;
  direction: "up" | "down";
  checksum: string;
  statements_done: number;
  statements_total: number;
  /** 1-based line of the first statement not yet done. */
  next_line: number | null;
  last_error: string | null;
}

/** Operations on one tracking table. */
export class TrackingTable {
  #table: TableName;
  readonly #configured: TableName;

  constructor(table: TableName) {
    this.#table = table;
    this.#configured = table;
  }

  /** The table's name, with its schema once known (see {@link pinSchema}). */
  get table(): TableName {
    return this.#table;
  }

  /**
   * Give an unqualified name its schema (where the table is, else the current schema), so
   * Confiture's own SQL no longer depends on the session's search_path, which a migration may
   * change (a pg_dump file empties it). Call before anything else runs on the session.
   */
  async pinSchema(q: Queryable): Promise<TrackingLocation> {
    const where = await this.locate(q);
    if (!this.#table.schema) {
      this.#table = { ...this.#table, schema: where.qualified.slice(0, -(this.#table.name.length + 1)) };
    }
    return where;
  }

  /** The quoted, possibly qualified name for SQL. */
  get sqlName(): string {
    return quoteQualified(this.table.schema, this.table.name);
  }

  /** The name as the user configured it, for messages. */
  get displayName(): string {
    const t = this.#configured;
    return t.schema ? `${t.schema}.${t.name}` : t.name;
  }

  /**
   * Where the table is (or would be created): `schema.table`, resolved through the search_path
   * for unqualified names, whether it exists, which of Confiture's optional columns it has (a
   * table written by the Python original has none), and whether the progress journal exists.
   */
  async locate(q: Queryable): Promise<TrackingLocation> {
    const literal = quoteLiteral(this.sqlName);
    const [row] = await q.query<
      { nspname: string | null; current: string | null; columns: string | null; progress: boolean }
    >(
      `SELECT n.nspname, pg_catalog.current_schema() AS current,
              (SELECT pg_catalog.string_agg(a.attname::text, ',') FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attname IN (${OPTIONAL_COLUMNS.map(quoteLiteral).join(", ")})) AS columns,
              pg_catalog.to_regclass(${quoteLiteral(this.progressSqlName)}) IS NOT NULL AS progress
         FROM (SELECT pg_catalog.to_regclass(${literal}) AS oid) r
         LEFT JOIN pg_catalog.pg_class c ON c.oid = r.oid
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`,
    );
    return {
      exists: Boolean(row.nspname),
      qualified: `${row.nspname ?? this.table.schema ?? row.current ?? "public"}.${this.table.name}`,
      optionalColumns: new Set(row.columns ? row.columns.split(",") : []),
      hasProgress: Boolean(row.progress),
    };
  }

  /** Create the table (and its schema) if missing; add Confiture's columns to an older table. */
  async ensure(q: Queryable): Promise<void> {
    const base = this.table.name;
    const schemaDdl = this.table.schema ? `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.table.schema)};\n` : "";
    await q.exec(`${schemaDdl}CREATE TABLE IF NOT EXISTS ${this.sqlName} (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  pk_confiture BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  slug TEXT NOT NULL UNIQUE,
  version VARCHAR(255) NOT NULL UNIQUE,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  execution_time_ms INTEGER,
  checksum VARCHAR(64),
  applied_by TEXT,
  down_checksum VARCHAR(64),
  lint_allowed JSONB
);
ALTER TABLE ${this.sqlName} ADD COLUMN IF NOT EXISTS applied_by TEXT;
ALTER TABLE ${this.sqlName} ADD COLUMN IF NOT EXISTS down_checksum VARCHAR(64);
ALTER TABLE ${this.sqlName} ADD COLUMN IF NOT EXISTS lint_allowed JSONB;
CREATE INDEX IF NOT EXISTS ${quoteIdent(`idx_${base}_applied_at`)} ON ${this.sqlName} (applied_at DESC);`);
  }

  /**
   * Every applied migration, in version order. The table must exist. With `columns` (from
   * {@link locate}, or every optional column after {@link ensure}) the optional columns are read
   * directly; without, through `to_jsonb`, which tolerates their absence but costs far more.
   */
  async applied(q: Queryable, columns?: ReadonlySet<string>): Promise<AppliedMigration[]> {
    const optional = (name: string) =>
      columns ? (columns.has(name) ? `t.${name}` : "NULL::text") : `to_jsonb(t) ->> '${name}'`;
    // Reading optional columns this way keeps status read-only on tables written by the Python
    // original (no down_checksum): nothing is altered to read them.
    const rows = await q.query<AppliedMigration & { execution_time_ms: number | string | null }>(
      `SELECT version, name, slug,
              pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS applied_at,
              execution_time_ms, checksum,
              ${optional("down_checksum")} AS down_checksum, ${optional("applied_by")} AS applied_by
         FROM ${this.sqlName} t`,
    );
    return rows
      .map((r) => ({ ...r, execution_time_ms: r.execution_time_ms === null ? null : Number(r.execution_time_ms) }))
      .sort((a, b) => safeCompare(a.version, b.version));
  }

  /** Insert one row, in the caller's transaction. */
  async record(q: Queryable, m: RecordMigration): Promise<void> {
    await q.exec(this.recordSql(m));
  }

  /**
   * The INSERT that records one migration, with its values as literals so it can travel in the
   * same round trip as the migration's statements. `executionTimeMs: null` measures on the
   * server, from the start of the transaction to this statement.
   */
  recordSql(m: Omit<RecordMigration, "executionTimeMs"> & { executionTimeMs: number | null }): string {
    const slug = `${m.name}_${timestampSlug(new Date())}${m.slugSuffix ? `_${m.slugSuffix}` : ""}`;
    const elapsed = m.executionTimeMs === null
      ? "pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::int"
      : String(Math.round(m.executionTimeMs));
    const text = (v: string | null | undefined) => v === null || v === undefined ? "NULL" : quoteLiteral(v);
    const lint = m.lintAllowed === undefined ? "NULL" : `${quoteLiteral(JSON.stringify(m.lintAllowed))}::jsonb`;
    return `INSERT INTO ${this.sqlName}
  (id, slug, version, name, execution_time_ms, checksum, applied_by, down_checksum, lint_allowed)
VALUES (gen_random_uuid(), ${text(slug)}, ${text(m.version)}, ${text(m.name)}, ${elapsed}, ${
      text(m.checksum)
    }, current_user, ${text(m.downChecksum)}, ${lint})`;
  }

  /**
   * A statement that fails (and with it the transaction it opens) unless `version` is recorded
   * as applied: what lets `up` send a migration before the previous one has answered.
   */
  guardSql(version: string): string {
    const v = quoteLiteral(version);
    return `DO $confiture_guard$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${this.sqlName} WHERE version = ${v}) THEN
    RAISE EXCEPTION 'migration % did not commit; not applying the next one', ${v};
  END IF;
END $confiture_guard$`;
  }

  /** Delete the row of one version, in the caller's transaction. */
  async remove(q: Queryable, version: string): Promise<void> {
    await q.exec(this.removeSql(version));
  }

  /** The DELETE that forgets one version. */
  removeSql(version: string): string {
    return `DELETE FROM ${this.sqlName} WHERE version = ${quoteLiteral(version)}`;
  }

  /** The journal of statement-by-statement runs: `<tracking table>_progress`, same schema. */
  get progressSqlName(): string {
    const name = `${this.table.name}_progress`;
    return quoteQualified(this.table.schema, name);
  }

  /** Create the progress journal if missing. */
  async ensureProgress(q: Queryable): Promise<void> {
    await q.exec(this.ensureProgressSql());
  }

  /** The DDL of {@link ensureProgress}, to travel in one message with other statements. */
  ensureProgressSql(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.progressSqlName} (
  version VARCHAR(255) NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
  name VARCHAR(255) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  statements_done INTEGER NOT NULL,
  statements_total INTEGER NOT NULL,
  next_line INTEGER,
  last_error TEXT,
  started_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (version, direction)
)`;
  }

  /**
   * Partial runs recorded in the journal (empty when it does not exist). Read-only.
   * `exists` skips the existence check when {@link locate} has just answered it.
   */
  async partialRuns(q: Queryable, exists?: boolean): Promise<PartialRun[]> {
    if (exists === undefined) {
      [{ exists }] = await q.query<{ exists: boolean }>(
        `SELECT pg_catalog.to_regclass(${quoteLiteral(this.progressSqlName)}) IS NOT NULL AS exists`,
      );
    }
    if (!exists) return [];
    const rows = await q.query<PartialRun>(
      `SELECT version, name, direction, checksum, statements_done, statements_total, next_line, last_error
         FROM ${this.progressSqlName}`,
    );
    return rows.map((r) => ({
      ...r,
      statements_done: Number(r.statements_done),
      statements_total: Number(r.statements_total),
      next_line: r.next_line === null ? null : Number(r.next_line),
    }));
  }

  /**
   * {@link saveProgress} with its values as literals, to travel in one message with other
   * statements (a simple-query message: the statements commit together).
   */
  saveProgressSql(p: Omit<PartialRun, "last_error">): string {
    const int = (n: number | null) => n === null ? "NULL" : String(Math.trunc(n));
    return `INSERT INTO ${this.progressSqlName}
  (version, direction, name, checksum, statements_done, statements_total, next_line)
VALUES (${quoteLiteral(p.version)}, ${quoteLiteral(p.direction)}, ${quoteLiteral(p.name)}, ${
      quoteLiteral(p.checksum)
    }, ${int(p.statements_done)}, ${int(p.statements_total)}, ${int(p.next_line)})
ON CONFLICT (version, direction) DO UPDATE
  SET statements_done = EXCLUDED.statements_done, next_line = EXCLUDED.next_line,
      checksum = EXCLUDED.checksum, last_error = NULL, updated_at = pg_catalog.now()`;
  }

  /** {@link clearProgress} with its values as literals. */
  clearProgressSql(version: string, direction: "up" | "down"): string {
    return `DELETE FROM ${this.progressSqlName} WHERE version = ${quoteLiteral(version)} AND direction = ${
      quoteLiteral(direction)
    }`;
  }

  /** Record how far a statement-by-statement run got. */
  async saveProgress(q: Queryable, p: Omit<PartialRun, "last_error">): Promise<void> {
    await q.query(
      `INSERT INTO ${this.progressSqlName}
         (version, direction, name, checksum, statements_done, statements_total, next_line)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (version, direction) DO UPDATE
         SET statements_done = EXCLUDED.statements_done, next_line = EXCLUDED.next_line,
             checksum = EXCLUDED.checksum, last_error = NULL, updated_at = pg_catalog.now()`,
      [p.version, p.direction, p.name, p.checksum, p.statements_done, p.statements_total, p.next_line],
    );
  }

  /** Remember why a statement-by-statement run stopped. */
  async saveProgressError(q: Queryable, version: string, direction: "up" | "down", message: string): Promise<void> {
    await q.query(
      `UPDATE ${this.progressSqlName} SET last_error = $3, updated_at = pg_catalog.now() WHERE version = $1 AND direction = $2`,
      [version, direction, message],
    );
  }

  /** Forget the journal entry of a finished run. */
  async clearProgress(q: Queryable, version: string, direction: "up" | "down"): Promise<void> {
    await q.query(`DELETE FROM ${this.progressSqlName} WHERE version = $1 AND direction = $2`, [version, direction]);
  }

  /** Delete every row (reinit), in the caller's transaction; returns how many were deleted. */
  async clear(q: Queryable): Promise<number> {
    const rows = await q.query(`DELETE FROM ${this.sqlName} RETURNING version`);
    return rows.length;
  }
}

// Versions written by other tools may not be numeric; they sort after numeric ones, by text.
function safeCompare(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return compareVersions(a, b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function timestampSlug(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds(), 3)}${p(Math.floor(Math.random() * 1000), 3)}`;
}
