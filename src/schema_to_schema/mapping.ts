/**
 * The mapping file (`db/schema_to_schema.yaml`): for each target table, its source table, a
 * column map (target column ← source column or SQL expression), an optional `where` filter,
 * the key used for batching, and an optional strategy. This module checks the YAML shape only;
 * `plan.ts` checks it against both catalogs.
 *
 * @module
 */
import { parseQualifiedName, type QualifiedName } from "../db/qualified_name.ts";
import { parseYamlWithLines, yamlValue } from "../config/yaml_lines.ts";
import { ConfigError } from "../errors.ts";
import { either, list, obj, oneOf, type Problem, record, required, str } from "../config/validate.ts";

/** One target table's entry in the mapping file. */
export interface TableMapping {
  /** The target table. */
  target: QualifiedName;
  /** The source table (defaults to the target's name). */
  source: QualifiedName;
  /**
   * Target column → source column name or SQL expression over the source row, in file order.
   * Absent: every target column that the source also has, by name.
   */
  columns?: [string, string][];
  /** A SQL condition over the source row; only matching rows move. */
  where?: string;
  /** Target key columns for keyset batching; absent means the target's primary key. */
  key?: string[];
  /** Per-table data path, overriding the command line and environment default. */
  strategy?: "fdw" | "copy";
  /** The YAML line of the entry, for messages. */
  line?: number;
  /** The YAML line of its `where:` key. */
  whereLine?: number;
}

/** A validated mapping file. */
export interface MappingFile {
  /** Path as shown in messages. */
  file: string;
  tables: TableMapping[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const QUALIFIED = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

const tableSpec = obj({
  source: str({ pattern: QUALIFIED, hint: "use table or schema.table" }),
  columns: record(str({ nonEmpty: true })),
  where: str({ nonEmpty: true }),
  key: either(
    str({ pattern: IDENT, hint: "a column name" }),
    list(str({ pattern: IDENT, hint: "a column name" })),
  ),
  strategy: oneOf(["fdw", "copy"] as const),
});

const fileSpec = obj({
  tables: required(record(tableSpec)),
});

/** Whether a column-map value names a source column (as opposed to an expression). */
export function isColumnReference(value: string): boolean {
  return IDENT.test(value.trim());
}

/**
 * Parse and validate a mapping file's text; every problem is reported at once with its line.
 *
 * @example
 * ```ts
 * const m = parseMappingFile("tables:\n  users:\n    source: legacy_users\n", "db/schema_to_schema.yaml");
 * m.tables[0].source; // { schema: "public", name: "legacy_users" }
 * ```
 */
export function parseMappingFile(text: string, shownPath: string): MappingFile {
  const { doc, lines } = parseYamlWithLines(text, shownPath);
  const problems: Problem[] = [];
  const raw = yamlValue(doc, shownPath) ?? {};
  const parsed = fileSpec(raw, "", { problems, lineOf: (p) => lines.get(p) });
  const tables: TableMapping[] = [];
  if (parsed) {
    for (const [key, entry] of Object.entries(parsed.tables)) {
      if (!QUALIFIED.test(key)) {
        problems.push({
          path: `tables.${key}`,
          message: "the target table must be table or schema.table",
          line: lines.get(`tables.${key}`),
        });
        continue;
      }
      const target = parseQualifiedName(key, "public")!;
      const columns = entry.columns ? Object.entries(entry.columns) : undefined;
      if (columns && columns.length === 0) {
        problems.push({
          path: `tables.${key}.columns`,
          message: "must map at least one column",
          line: lines.get(`tables.${key}.columns`),
        });
      }
      for (const [column] of columns ?? []) {
        if (!IDENT.test(column)) {
          problems.push({
            path: `tables.${key}.columns.${column}`,
            message: "a target column must be a plain column name",
            line: lines.get(`tables.${key}.columns.${column}`),
          });
        }
      }
      tables.push({
        target,
        source: entry.source ? parseQualifiedName(entry.source, "public")! : { ...target },
        columns,
        where: entry.where,
        key: entry.key === undefined ? undefined : Array.isArray(entry.key) ? entry.key : [entry.key],
        strategy: entry.strategy,
        line: lines.get(`tables.${key}`),
        whereLine: lines.get(`tables.${key}.where`),
      });
    }
    if (problems.length === 0 && tables.length === 0) {
      problems.push({ path: "tables", message: "lists no tables", line: lines.get("tables") });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const rendered = problems.map((p) =>
      `${shownPath}${p.line ? `:${p.line}` : ""}: ${p.path || "(root)"}: ${p.message}`
    );
    throw new ConfigError(
      rendered.length === 1 ? rendered[0] : `${rendered.length} problems in ${shownPath}:\n  ${rendered.join("\n  ")}`,
      { file: shownPath, line: problems[0].line, problems: rendered },
    );
  }
  return { file: shownPath, tables };
}
