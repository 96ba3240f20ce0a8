/**
 * What other migration tools left in a database: where each keeps its history, how to tell
 * them apart by the table's shape, and which versions each says are applied. Read-only.
 *
 * | tool | table | shape |
 * |---|---|---|
 * | golang-migrate | `schema_migrations` | `version bigint, dirty boolean`: one row, the current version |
 * | dbmate | `schema_migrations` | `version varchar`: one row per applied version |
 * | goose | `goose_db_version` | `version_id, is_applied`: a log, the newest row per version wins |
 * | Flyway | `flyway_schema_history` | `version, success, type`: a log by `installed_rank` |
 * | sqitch | `sqitch.changes` | one row per deployed change, named, not versioned |
 * | Confiture (Python) | `tb_confiture` | `version, name, checksum`, without Confiture's newer columns |
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import { formatQualifiedName, qualifiedKey, type QualifiedName } from "../db/qualified_name.ts";
import { MigrationError } from "../errors.ts";

/** The tools `migrate adopt` reads. */
export const ADOPT_SOURCES = ["golang-migrate", "dbmate", "goose", "flyway", "sqitch", "confiture-python"] as const;

/** One tool `migrate adopt` reads. */
export type AdoptSource = typeof ADOPT_SOURCES[number];

/** One entry of another tool's history. */
export interface ForeignEntry {
  /** The version as that tool wrote it (sqitch: the change name). */
  version: string;
  /** The name or description it recorded, when it records one. */
  name: string | null;
}

/** Another tool's view of what is applied. */
export interface ForeignHistory {
  tool: AdoptSource;
  /** `schema.table` it was read from. */
  table: string;
  /** Versions it records as applied, in its order. */
  applied: ForeignEntry[];
  /**
   * For tools that record only a high-water mark (golang-migrate, a Flyway baseline): every
   * file at or below this version counts as applied.
   */
  through: string | null;
  /** Match files by name instead of version (sqitch has no versions). */
  byName: boolean;
}

/** A table another tool uses, found by its shape. */
export interface DetectedSource {
  tool: AdoptSource;
  /** `schema.table`, for messages and results. */
  table: string;
  /** The table's schema and name, to query it by (either may hold a dot). */
  relation: QualifiedName;
}

interface Relation {
  table: string;
  relation: QualifiedName;
  columns: Map<string, string>;
}

async function relation(q: Queryable, name: string): Promise<Relation | undefined> {
  const rows = await q.query<{ nspname: string; relname: string; attname: string; type: string }>(
    `SELECT n.nspname, c.relname, a.attname::text AS attname, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.oid = to_regclass($1)`,
    [name],
  );
  if (rows.length === 0) return undefined;
  const relation = { schema: rows[0].nspname, name: rows[0].relname };
  return { table: qualifiedKey(relation), relation, columns: new Map(rows.map((r) => [r.attname, r.type])) };
}

/**
 * Every other tool's history table present (names resolved through the search path, sqitch in
 * its `sqitch` schema). `ownTable` is Confiture's tracking table: a `tb_confiture` that already
 * has Confiture's own columns is not another tool's.
 */
export async function detectSources(q: Queryable, ownTable: string): Promise<DetectedSource[]> {
  const found: DetectedSource[] = [];
  const sm = await relation(q, "schema_migrations");
  if (sm?.columns.has("version")) {
    if (sm.columns.has("dirty")) found.push({ tool: "golang-migrate", table: sm.table, relation: sm.relation });
    else if (/char|text/.test(sm.columns.get("version")!)) {
      found.push({ tool: "dbmate", table: sm.table, relation: sm.relation });
    }
  }
  const goose = await relation(q, "goose_db_version");
  if (goose?.columns.has("version_id") && goose.columns.has("is_applied")) {
    found.push({ tool: "goose", table: goose.table, relation: goose.relation });
  }
  const flyway = await relation(q, "flyway_schema_history");
  if (flyway?.columns.has("version") && flyway.columns.has("success")) {
    found.push({ tool: "flyway", table: flyway.table, relation: flyway.relation });
  }
  const sqitch = await relation(q, "sqitch.changes");
  if (sqitch?.columns.has("change") && sqitch.columns.has("project")) {
    found.push({ tool: "sqitch", table: sqitch.table, relation: sqitch.relation });
  }
  const python = await relation(q, "tb_confiture");
  if (python?.columns.has("version") && python.columns.has("name")) {
    const own = await relation(q, ownTable);
    const sameTable = own?.table === python.table;
    // The Python original never wrote down_checksum; once Confiture has, the table is ours.
    if (!sameTable || !python.columns.has("down_checksum")) {
      found.push({ tool: "confiture-python", table: python.table, relation: python.relation });
    }
  }
  return found;
}

/** The history found, after refusing states that need a person first (dirty, failed). */
export async function readHistory(
  q: Queryable,
  source: DetectedSource,
): Promise<ForeignHistory> {
  const quotedTable = formatQualifiedName(source.relation);
  const base = { tool: source.tool, table: source.table, through: null, byName: false };
  switch (source.tool) {
    case "golang-migrate": {
      const rows = await q.query<{ version: string; dirty: boolean }>(
        `SELECT version::text AS version, dirty FROM ${quotedTable} ORDER BY version DESC`,
      );
      const current = rows[0];
      if (!current) return { ...base, applied: [] };
      if (current.dirty) throw dirtyGolangMigrate(source.table, quotedTable, current.version);
      return { ...base, applied: [{ version: current.version, name: null }], through: current.version };
    }
    case "dbmate": {
      const rows = await q.query<{ version: string }>(`SELECT version::text AS version FROM ${quotedTable}`);
      return { ...base, applied: rows.map((r) => ({ version: r.version, name: null })) };
    }
    case "goose": {
      // Goose logs every up and down; the newest row of a version says whether it is applied.
      // Version 0 is the row goose writes when it creates the table.
      const rows = await q.query<{ version: string }>(
        `SELECT version FROM (SELECT DISTINCT ON (version_id) version_id::text AS version, is_applied
                                FROM ${quotedTable} ORDER BY version_id, id DESC) v
          WHERE is_applied AND version <> '0'`,
      );
      return { ...base, applied: rows.map((r) => ({ version: r.version, name: null })) };
    }
    case "flyway":
      return await readFlyway(q, source, quotedTable);
    case "sqitch": {
      const rows = await q.query<{ change: string }>(
        `SELECT change FROM ${quotedTable} ORDER BY committed_at, change`,
      );
      return { ...base, byName: true, applied: rows.map((r) => ({ version: r.change, name: r.change })) };
    }
    case "confiture-python": {
      const rows = await q.query<{ version: string; name: string }>(
        `SELECT version::text AS version, name::text AS name FROM ${quotedTable} ORDER BY applied_at, version`,
      );
      return { ...base, applied: rows.map((r) => ({ version: r.version, name: r.name })) };
    }
  }
}

async function readFlyway(q: Queryable, source: DetectedSource, quotedTable: string): Promise<ForeignHistory> {
  const rows = await q.query<{ version: string | null; description: string; type: string; success: boolean }>(
    `SELECT version::text AS version, description::text AS description, type::text AS type, success
       FROM ${quotedTable} ORDER BY installed_rank`,
  );
  const failed = rows.find((r) => !r.success);
  if (failed) throw failedFlyway(source.table, failed.version ?? failed.description);
  const applied = new Map<string, ForeignEntry>();
  let through: string | null = null;
  for (const r of rows) {
    // Repeatable migrations have no version; SCHEMA marks the schemas Flyway created.
    if (r.version === null || r.type === "SCHEMA") continue;
    if (r.type === "BASELINE") through = r.version;
    else if (r.type.startsWith("UNDO")) applied.delete(r.version);
    else applied.set(r.version, { version: r.version, name: r.description });
  }
  return { tool: "flyway", table: source.table, applied: [...applied.values()], through, byName: false };
}

function dirtyGolangMigrate(table: string, quotedTable: string, version: string): MigrationError {
  return new MigrationError(
    `golang-migrate left version ${version} dirty in ${table}: that migration failed partway, so the schema is ` +
      "neither before nor after it; nothing was adopted",
    {
      code: "ADOPT_DIRTY",
      hint: `repair the schema by hand so that migration ${version} is fully applied, then mark it clean with ` +
        `\`migrate -path db/migrations -database "$DATABASE_URL" force ${version}\` ` +
        `(or in SQL: UPDATE ${quotedTable} SET dirty = false), and run \`confiture migrate adopt\` again`,
      details: { tool: "golang-migrate", table, version },
    },
  );
}

function failedFlyway(table: string, version: string): MigrationError {
  return new MigrationError(
    `Flyway recorded migration ${version} as failed (success = false) in ${table}; nothing was adopted`,
    {
      code: "ADOPT_DIRTY",
      hint: `undo what the failed migration ${version} changed, then run \`flyway repair\` ` +
        `(or in SQL: DELETE FROM ${table} WHERE NOT success), and run \`confiture migrate adopt\` again`,
      details: { tool: "flyway", table, version },
    },
  );
}
