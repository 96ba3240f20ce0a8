/**
 * Proof before writing: on the scratch database that holds the replayed chain, lint the new
 * migrations as a live database would (every lock finding an error), apply them with the
 * migration runner, compare the result with the DDL build, then run each new down and compare
 * with the state before its up.
 *
 * @module
 */
import { type CatalogDifference, diffCatalogs } from "../catalog/diff.ts";
import type { CatalogSnapshot } from "../catalog/types.ts";
import { snapshotCatalog } from "../catalog/snapshot.ts";
import type { TableName } from "../config/environment.ts";
import type { Database } from "../db/database.ts";
import { type LintFinding, lintMigrations } from "../lint/lint_migrations.ts";
import type { MigrationFile } from "../migrate/files.ts";
import { Migrator } from "../migrate/migrator.ts";
import { writeText } from "../platform/fs.ts";
import { basename } from "../platform/path.ts";
import { copyFile, makeTempDir } from "../platform/temp_dir.ts";

/** A migration about to be written. */
export interface NewMigration {
  version: string;
  name: string;
  up: string;
  down: string;
}

/** What the proof found. */
export interface ProofResult {
  ok: boolean;
  /** Lint findings on the new files that are not allowed (lock findings count as errors). */
  lint: Pick<LintFinding, "rule" | "file" | "line" | "message">[];
  /** After the new ups: db/schema/ (expected) against the replayed chain (actual). */
  differences: CatalogDifference[];
  /** Per new migration: what its down left different from before its up. */
  reversible: { version: string; name: string; ok: boolean; differences: CatalogDifference[] }[];
  /** A migration that failed to apply or roll back, with the database's message. */
  error: string | null;
}

/** Options for {@link proveMigrations}. */
export interface ProveOptions {
  chain: readonly MigrationFile[];
  trackingTable: TableName;
  statementLockTimeoutMs: number;
  /** The DDL build's catalog. */
  desired: CatalogSnapshot;
  /** The chain's catalog, read from `db` before the proof. */
  current: CatalogSnapshot;
}

/**
 * Prove `migrations` on `db`, which holds the replayed `chain` (it is changed).
 *
 * @example
 * ```ts
 * import { type ProveOptions, proveMigrations } from "./prove.ts";
 * import type { Database } from "../db/database.ts";
 * declare const scratch: Database, options: ProveOptions, up: string, down: string;
 *
 * const proof = await proveMigrations(scratch, [{ version: "006", name: "x", up, down }], options);
 * if (!proof.ok) console.log(proof.differences);
 * ```
 */
export async function proveMigrations(
  db: Database,
  migrations: readonly NewMigration[],
  options: ProveOptions,
): Promise<ProofResult> {
  const result: ProofResult = { ok: false, lint: [], differences: [], reversible: [], error: null };
  await using dir = await makeTempDir("confiture_diff_");
  for (const f of options.chain) {
    await copyFile(f.upPath, `${dir.path}/${basename(f.upPath)}`);
    if (f.downPath) await copyFile(f.downPath, `${dir.path}/${basename(f.downPath)}`);
  }
  for (const m of migrations) {
    await writeText(`${dir.path}/${m.version}_${m.name}.up.sql`, m.up);
    await writeText(`${dir.path}/${m.version}_${m.name}.down.sql`, m.down);
  }
  const lint = await lintMigrations(
    migrations.map((m) => ({
      version: m.version,
      name: m.name,
      upFile: `${m.version}_${m.name}.up.sql`,
      upSql: m.up,
      downFile: `${m.version}_${m.name}.down.sql`,
      downSql: m.down,
    })),
    { db, statementLockTimeoutMs: options.statementLockTimeoutMs, settings: { smallTableRows: 0 } },
  );
  result.lint = lint.findings.filter((f) => !f.allowed && f.severity === "error")
    .map((f) => ({ rule: f.rule, file: f.file, line: f.line, message: f.message }));
  const t = options.trackingTable;
  const q = (n: string) => (t.schema ? `${t.schema}.${n}` : n);
  const snap = () => snapshotCatalog(db, { excludeTables: [q(t.name), q(`${t.name}_progress`)] });
  const runner = Migrator.fromDatabase(db, {
    migrationsDir: dir.path,
    projectDir: dir.path,
    trackingTable: t,
    statementLockTimeoutMs: 0,
    lockRetries: 0,
  });
  const states = [options.current];
  try {
    for (const _ of migrations) {
      await runner.up({ steps: 1, lint: false, allowOutOfOrder: true });
      states.push(await snap());
    }
  } catch (e) {
    result.error = `up: ${e instanceof Error ? e.message : String(e)}`;
    return result;
  }
  result.differences = diffCatalogs(options.desired, states.at(-1)!);
  try {
    for (let i = migrations.length - 1; i >= 0; i--) {
      await runner.down({ steps: 1 });
      const differences = diffCatalogs(states[i], await snap());
      result.reversible.unshift({
        version: migrations[i].version,
        name: migrations[i].name,
        ok: !differences.length,
        differences,
      });
    }
  } catch (e) {
    result.error = `down: ${e instanceof Error ? e.message : String(e)}`;
    return result;
  }
  result.ok = result.lint.length === 0 && result.differences.length === 0 && result.reversible.every((r) => r.ok);
  return result;
}
