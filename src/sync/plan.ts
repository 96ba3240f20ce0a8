/**
 * Planning a sync, without touching data: which tables, in what order, which columns are
 * masked and how, and every source/target mismatch, rule problem and unmasked PII column.
 * Pure over two catalogs.
 *
 * @module
 */
import type { SyncCatalog, SyncColumn, SyncForeignKey, SyncTable } from "./catalog.ts";
import { keyPart, splitKey, tableKey } from "./names.ts";
import { loadOrder } from "./order.ts";
import { defaultRuleFor } from "./pii.ts";
import { findUnmaskedPii, type PiiFinding } from "./pii_coverage.ts";
import { ruleTargetProblems } from "./rule_targets.ts";
import { checkRule, type MaskedColumn, type Rule, type StrategyName } from "./strategies.ts";

/** Which tables to sync. Globs use `*` and `?` and match `schema.table` or `table`. */
export interface SyncSelection {
  /** Schemas to read; every user schema when empty. */
  schemas?: string[];
  tables?: string[];
  exclude?: string[];
}

/** Inputs to {@link planSync} besides the catalogs. */
export interface PlanOptions extends SyncSelection {
  /** Profile rules by `schema.table.column`. */
  rules: ReadonlyMap<string, Rule>;
  /** `--anonymize` flags; they override profile rules for their column. */
  flagRules?: readonly { column: string; strategy?: StrategyName }[];
  /** Tables never synced (Confiture's own bookkeeping), by bare name. */
  ignoreTables?: readonly string[];
}

/** A column masked during the load. */
export interface MaskedField {
  /** Position in the copied column list. */
  index: number;
  column: MaskedColumn;
  rule: Rule;
}

/** One table's load. */
export interface TablePlan {
  key: string;
  schema: string;
  name: string;
  /** Columns copied, in source order (generated columns are left out). */
  columns: string[];
  estimate?: number;
  masked: MaskedField[];
  /** The source is partitioned: read it through a query. */
  sourcePartitioned: boolean;
  /** The target is partitioned: no COPY FREEZE. */
  targetPartitioned: boolean;
  /** Sequences to move past the loaded maximum (target side). */
  sequences: { column: string; sequence: string }[];
  /** The target table has user triggers, disabled during the load. */
  userTriggers: boolean;
  /** Another target table has a foreign key to this one, so it cannot be truncated alone. */
  referenced: boolean;
}

/** Tables loaded in one transaction: one table, or the members of a foreign-key cycle. */
export interface LoadGroup {
  tables: TablePlan[];
  /** More than one table that reference each other. */
  cyclic: boolean;
  /** Every cycle key can be deferred to commit (otherwise the load disables triggers, then validates). */
  deferrable: boolean;
  /** Target foreign keys whose referencing table is in this group. */
  foreignKeys: SyncForeignKey[];
}

export type { PiiFinding };

/** The full plan. A sync runs only when `mismatches` and `problems` are empty. */
export interface SyncPlan {
  groups: LoadGroup[];
  /** Table and column differences between source and target. */
  mismatches: string[];
  /** Rules that cannot apply. */
  problems: string[];
  warnings: string[];
  unmaskedPii: PiiFinding[];
}

/** Compile `*`/`?` globs into one matcher over `schema.table` and `table`. */
export function globMatcher(globs: readonly string[]): (key: string) => boolean {
  const res = globs.map((g) =>
    new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`)
  );
  return (key) => {
    const parts = splitKey(key);
    const bare = parts ? keyPart(parts[parts.length - 1]) : key;
    return res.some((re) => re.test(key) || re.test(bare));
  };
}

/** Select the source tables a sync covers. */
export function selectTables(
  catalog: SyncCatalog,
  options: SyncSelection & { ignoreTables?: readonly string[] },
): SyncTable[] {
  const include = options.tables && options.tables.length > 0 ? globMatcher(options.tables) : () => true;
  const exclude = options.exclude && options.exclude.length > 0 ? globMatcher(options.exclude) : () => false;
  const ignore = new Set(options.ignoreTables ?? []);
  // A partition stands for its root: leaves load through it.
  const named = (t: SyncTable, test: (key: string) => boolean) => test(t.key) || (t.partitions ?? []).some(test);
  return [...catalog.tables.values()].filter((t) => !ignore.has(t.name) && named(t, include) && !named(t, exclude));
}

/** Plan a sync from `source` to `target`. */
export function planSync(source: SyncCatalog, target: SyncCatalog, options: PlanOptions): SyncPlan {
  const mismatches: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const unmaskedPii: PiiFinding[] = [];
  const selected = selectTables(source, options);
  const selectedKeys = new Set(selected.map((t) => t.key));

  const rules = new Map(options.rules);
  for (const flag of options.flagRules ?? []) {
    const [schema, table, column] = splitKey(flag.column) ?? [];
    const col = schema === undefined || table === undefined
      ? undefined
      : source.tables.get(tableKey(schema, table))?.columns.find((c) => c.name === column);
    if (!col) {
      problems.push(`--anonymize ${flag.column}: no such column in the source`);
      continue;
    }
    const rule = flag.strategy
      ? { strategy: flag.strategy, options: {} }
      : defaultRuleFor(col.name, col.category, col.notNull, col.shape);
    rules.set(flag.column, { ...rule, origin: "--anonymize" });
  }
  problems.push(...ruleTargetProblems(rules, source, options.schemas));

  const plans = new Map<string, TablePlan>();
  for (const src of selected) {
    const dst = target.tables.get(src.key);
    if (!dst) {
      mismatches.push(`${src.key}: table missing in the target`);
      continue;
    }
    const dstColumns = new Map(dst.columns.map((c) => [c.name, c]));
    const copied: SyncColumn[] = [];
    for (const c of src.columns) {
      if (c.generated) continue;
      const d = dstColumns.get(c.name);
      if (!d) mismatches.push(`${src.key}.${c.name}: column missing in the target`);
      else if (d.generated) mismatches.push(`${src.key}.${c.name}: generated in the target but not in the source`);
      else if (d.type !== c.type) {
        mismatches.push(`${src.key}.${c.name}: ${c.type} in the source, ${d.type} in the target`);
      } else copied.push(d);
    }
    for (const d of dst.columns) {
      if (d.generated || src.columns.some((c) => c.name === d.name)) continue;
      if (d.notNull && !d.hasDefault) {
        mismatches.push(`${src.key}.${d.name}: NOT NULL without a default in the target, absent from the source`);
      } else warnings.push(`${src.key}.${d.name}: only in the target; it gets its default`);
    }
    const masked: MaskedField[] = [];
    copied.forEach((c, index) => {
      const qualified = `${src.key}.${keyPart(c.name)}`;
      const rule = rules.get(qualified);
      // The source column carries the sampled json/hstore values the check looks at.
      unmaskedPii.push(...findUnmaskedPii(src.key, src.name, src.columns.find((s) => s.name === c.name)!, rule));
      if (!rule) return;
      const column: MaskedColumn = {
        qualified,
        type: c.type,
        category: c.category,
        maxLength: c.maxLength,
        notNull: c.notNull,
        unique: c.unique,
        shape: c.shape,
      };
      const checked = checkRule(rule, column);
      problems.push(...checked.problems);
      warnings.push(...checked.warnings);
      if (rule.strategy !== "keep") masked.push({ index, column, rule });
    });
    plans.set(src.key, {
      key: src.key,
      schema: src.schema,
      name: src.name,
      columns: copied.map((c) => c.name),
      estimate: src.estimate,
      masked,
      sourcePartitioned: src.partitioned,
      targetPartitioned: dst.partitioned,
      sequences: dst.columns.filter((c) => c.sequence && copied.includes(c)).map((c) => ({
        column: c.name,
        sequence: c.sequence!,
      })),
      userTriggers: dst.hasUserTriggers,
      referenced: target.foreignKeys.some((f) => f.parent === src.key && f.child !== src.key),
    });
  }

  // A target table outside the selection that references a loaded table would block the clear.
  for (const fk of target.foreignKeys) {
    if (plans.has(fk.parent) && !selectedKeys.has(fk.child)) {
      mismatches.push(
        `${fk.child} references ${fk.parent} (${fk.name}) but is not part of the sync; include it or exclude ${fk.parent}`,
      );
    }
  }

  const groups = loadOrder([...plans.keys()], target.foreignKeys).map((names): LoadGroup => {
    const members = new Set(names);
    const foreignKeys = target.foreignKeys.filter((f) => members.has(f.child));
    const deferrable = foreignKeys.filter((f) => members.has(f.parent) && f.parent !== f.child).every((f) =>
      f.deferrable
    );
    return { tables: names.map((n) => plans.get(n)!), cyclic: names.length > 1, deferrable, foreignKeys };
  });
  return { groups, mismatches, problems, warnings, unmaskedPii };
}
