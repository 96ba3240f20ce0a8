/**
 * Resolve a mapping file against both catalogs into one plan per table, reporting every
 * problem at once: unknown tables and columns on either side, type mismatches, missing or
 * non-unique keys, required target columns left unmapped.
 *
 * @module
 */
import { formatQualifiedName, qualifiedKey, type QualifiedName, splitQualifiedName } from "../db/qualified_name.ts";
import type { Queryable } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { quoteIdent } from "../db/quote.ts";
import { ConfigError } from "../errors.ts";
import { assignable, expressionType, readTable, type TableInfo } from "./catalog.ts";
import { whereProblem } from "./where.ts";
import { isColumnReference, type MappingFile, type TableMapping } from "./mapping.ts";

/** A data path: `INSERT … SELECT` over the foreign tables, or COPY streamed across servers. */
export type DataPath = "fdw" | "copy";

/** One target column and where its value comes from. */
export interface ColumnPlan {
  target: string;
  targetType: string;
  /** SQL over the source row: a quoted column or a parenthesised expression. */
  sourceSql: string;
  sourceType: string;
}

/** One key column: the target column and the source column it is copied from. */
export interface KeyPlan {
  target: string;
  source: string;
  /** The source column's type, for casting checkpointed key values back. */
  sourceType: string;
}

/** Everything the phases need to move one table. */
export interface TablePlan {
  target: QualifiedName;
  source: QualifiedName;
  columns: ColumnPlan[];
  key: KeyPlan[];
  where?: string;
  strategy: DataPath;
  /** The source relation's `relkind` (`r` table, `v` view, …). */
  sourceRelkind: string;
}

/** Options for {@link planTables}. */
export interface PlanOptions {
  /** Used for tables without their own `strategy:`. */
  strategy: DataPath;
  /** Restrict to these target tables (`name` or `schema.name`). */
  tables?: string[];
}

/**
 * Check the mapping against the source and target catalogs; throws one ConfigError listing
 * every problem, or returns the plans in file order.
 */
export async function planTables(
  source: Queryable,
  target: Queryable,
  mapping: MappingFile,
  options: PlanOptions,
): Promise<TablePlan[]> {
  const selected = selectTables(mapping, options.tables);
  const problems: string[] = [];
  const plans: TablePlan[] = [];
  for (const m of selected) {
    const where = `${mapping.file}${m.line ? `:${m.line}` : ""}: ${qualifiedKey(m.target)}`;
    const whereNotOne = m.where === undefined ? undefined : await whereProblem(m.where);
    if (whereNotOne) {
      // Never sent to a server: the text would change the query it is pasted into.
      problems.push(
        `${mapping.file}${m.whereLine ? `:${m.whereLine}` : ""}: ${qualifiedKey(m.target)}: where: ${whereNotOne}`,
      );
      continue;
    }
    const found: string[] = [];
    const plan = await planTable(source, target, m, options.strategy, found);
    problems.push(...found.map((p) => `${where}: ${p}`));
    if (plan) plans.push(plan);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems in ${mapping.file}:\n  ${problems.join("\n  ")}`,
      { file: mapping.file, problems },
    );
  }
  return plans;
}

function selectTables(mapping: MappingFile, only: string[] | undefined): TableMapping[] {
  if (!only || only.length === 0) return mapping.tables;
  const unknown = only.filter((t) => !mapping.tables.some((m) => matches(m.target, t)));
  if (unknown.length > 0) {
    throw new ConfigError(`--tables names tables that ${mapping.file} does not map: ${unknown.join(", ")}`, {
      hint: `mapped tables: ${mapping.tables.map((m) => qualifiedKey(m.target)).join(", ")}`,
    });
  }
  return mapping.tables.filter((m) => only.some((t) => matches(m.target, t)));
}

// `--tables` names a table as written: `users` (any schema), `app.users`, `"my.app".users`.
function matches(name: QualifiedName, text: string): boolean {
  const parts = splitQualifiedName(text);
  if (parts?.length === 1) return parts[0] === name.name;
  if (parts?.length === 2) return parts[0] === name.schema && parts[1] === name.name;
  return text === qualifiedKey(name);
}

async function planTable(
  sourceDb: Queryable,
  targetDb: Queryable,
  m: TableMapping,
  defaultStrategy: DataPath,
  problems: string[],
): Promise<TablePlan | undefined> {
  const [src, tgt] = await Promise.all([readTable(sourceDb, m.source), readTable(targetDb, m.target)]);
  if (!tgt) problems.push(`target table ${qualifiedKey(m.target)} does not exist in the target database`);
  if (!src) problems.push(`source table ${qualifiedKey(m.source)} does not exist in the source database`);
  if (!src || !tgt) return undefined;
  const srcCols = new Map(src.columns.map((c) => [c.name, c]));
  const tgtCols = new Map(tgt.columns.map((c) => [c.name, c]));

  const pairs: [string, string][] = m.columns ??
    tgt.columns.filter((c) => !c.generated && srcCols.has(c.name)).map((c) => [c.name, c.name]);
  if (!m.columns && pairs.length === 0) {
    problems.push(`no column of ${qualifiedKey(m.target)} exists in ${qualifiedKey(m.source)}; add a columns: map`);
  }
  const columns: ColumnPlan[] = [];
  for (const [targetColumn, value] of pairs) {
    const tc = tgtCols.get(targetColumn);
    if (!tc) problems.push(`unknown target column "${targetColumn}"${near(targetColumn, tgtCols)}`);
    else if (tc.generated) problems.push(`target column "${targetColumn}" is generated and cannot be written`);
    let sourceSql: string;
    let sourceType: string | undefined;
    if (isColumnReference(value)) {
      const name = value.trim();
      const sc = srcCols.get(name);
      if (!sc) problems.push(`unknown source column "${name}" for "${targetColumn}"${near(name, srcCols)}`);
      sourceSql = quoteIdent(name);
      sourceType = sc?.type;
    } else {
      sourceSql = `(${value})`;
      try {
        sourceType = await expressionType(sourceDb, m.source, value);
      } catch (e) {
        if (!(e instanceof DatabaseError)) throw e;
        problems.push(`expression for "${targetColumn}" fails on the source: ${e.message}`);
      }
    }
    if (tc && sourceType) {
      const verdict = await assignable(targetDb, sourceType, tc.type);
      if (verdict !== "ok") {
        problems.push(
          `type mismatch for "${targetColumn}": source ${sourceType} cannot be stored in target ${tc.type}` +
            (verdict === "unknown-type" ? ` (type ${sourceType} does not exist in the target database)` : "") +
            `; cast it in the mapping, e.g. ${targetColumn}: "${value.trim()}::${tc.type}"`,
        );
      }
    }
    if (tc) columns.push({ target: targetColumn, targetType: tc.type, sourceSql, sourceType: sourceType ?? tc.type });
  }
  const mapped = new Set(pairs.map(([t]) => t));
  for (const c of tgt.columns) {
    if (c.notNull && !c.hasDefault && !mapped.has(c.name)) {
      problems.push(`target column "${c.name}" is NOT NULL without a default but is not mapped`);
    }
  }

  if (m.where) {
    try {
      await sourceDb.query(`SELECT 1 FROM ${formatQualifiedName(m.source)} WHERE (${m.where}\n) LIMIT 0`);
    } catch (e) {
      if (!(e instanceof DatabaseError)) throw e;
      problems.push(`where fails on the source: ${e.message}`);
    }
  }

  const key = planKey(m, tgt, src, new Map(pairs), srcCols, problems);
  return {
    target: m.target,
    source: m.source,
    columns,
    key,
    where: m.where,
    strategy: m.strategy ?? defaultStrategy,
    sourceRelkind: src.relkind,
  };
}

function planKey(
  m: TableMapping,
  tgt: TableInfo,
  src: TableInfo,
  pairs: Map<string, string>,
  srcCols: Map<string, { type: string }>,
  problems: string[],
): KeyPlan[] {
  const keyColumns = m.key ?? tgt.primaryKey;
  if (keyColumns.length === 0) {
    problems.push(`no key for batching: ${qualifiedKey(m.target)} has no primary key; set key: to a unique column`);
    return [];
  }
  const key: KeyPlan[] = [];
  for (const k of keyColumns) {
    const value = pairs.get(k);
    if (value === undefined) {
      problems.push(`key column "${k}" is not mapped`);
    } else if (!isColumnReference(value)) {
      problems.push(
        `key column "${k}" must be copied from a source column, not an expression, so batches can use its index`,
      );
    } else {
      const sc = srcCols.get(value.trim());
      if (sc) key.push({ target: k, source: value.trim(), sourceType: sc.type });
    }
  }
  if (key.length !== keyColumns.length) return key;
  const sameSet = (cols: string[], want: string[]) =>
    cols.length === want.length && want.every((c) => cols.includes(c));
  if (!tgt.uniqueKeys.some((u) => sameSet(u, keyColumns))) {
    problems.push(
      `key (${keyColumns.join(", ")}) is not unique in the target: add a unique index or choose another key`,
    );
  }
  // Views cannot declare uniqueness, so only real source tables are checked.
  if (
    (src.relkind === "r" || src.relkind === "p") && !src.uniqueKeys.some((u) => sameSet(u, key.map((k) => k.source)))
  ) {
    problems.push(
      `key (${
        key.map((k) => k.source).join(", ")
      }) is not unique in the source: batches could skip rows that share a key`,
    );
  }
  return key;
}

function near(name: string, known: Map<string, unknown>): string {
  const names = [...known.keys()];
  const hit = names.find((n) => n.toLowerCase() === name.toLowerCase()) ??
    names.find((n) => n.includes(name) || name.includes(n));
  return hit ? ` (did you mean "${hit}"?)` : "";
}
