/**
 * Catalog snapshots and their comparison: what a database looks like, as plain JSON, and how
 * two of them differ. Works alike on PostgreSQL 15 and PGlite 18.
 *
 * @example
 * ```ts
 * import { diffCatalogs, formatCatalogDiff, snapshotCatalog } from "./mod.ts";
 * import type { Database } from "../db/database.ts";
 * declare const a: Database, b: Database;
 *
 * const diffs = diffCatalogs(await snapshotCatalog(a), await snapshotCatalog(b));
 * if (diffs.length > 0) console.log(formatCatalogDiff(diffs, { expected: "a", actual: "b" }));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { snapshotCatalog, type SnapshotOptions } from "./snapshot.ts";
export {
  type CatalogDifference,
  type CatalogObjectType,
  describeColumn,
  diffCatalogs,
  type DiffLabels,
  type DiffOptions,
  formatCatalogDiff,
  sameViewDefinition,
} from "./diff.ts";
