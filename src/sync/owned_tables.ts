/**
 * The tables Confiture itself writes, which are never synced and never personal data: the
 * migration tracking table and its progress journal, the sync checkpoints, and the
 * schema-to-schema checkpoint journal.
 *
 * @module
 */
import { CHECKPOINT_TABLE as COPY_CHECKPOINT } from "../schema_to_schema/checkpoint.ts";
import { CHECKPOINT_TABLE } from "./checkpoint.ts";
import { DEFAULT_TRACKING_TABLE as DEFAULT_TRACKING } from "../config/defaults.ts";

/**
 * Bare names of Confiture's tables, given the tracking table names of the environments
 * involved (each has a `<name>_progress` journal beside it).
 *
 * @example
 * ```ts
 * confitureTables(["tb_migrations"]);
 * // ["tb_migrations", "tb_migrations_progress", "tb_confiture", "tb_confiture_progress",
 * //  "confiture_sync_checkpoint", "confiture_checkpoint"]
 * ```
 */
export function confitureTables(trackingTables: readonly string[] = []): string[] {
  const names = [...trackingTables, DEFAULT_TRACKING].flatMap((t) => [t, `${t}_progress`]);
  return [...new Set([...names, CHECKPOINT_TABLE, COPY_CHECKPOINT])];
}
