/**
 * The `schema_to_schema:` section of an environment file: defaults for `confiture migrate
 * schema-to-schema` when this environment is the target.
 *
 * @module
 */
import { SCHEMA_TO_SCHEMA_DEFAULTS as D } from "../defaults.ts";
import { duration, int, obj, oneOf, type Spec, str, withDefault } from "../validate.ts";

/** The validated `schema_to_schema:` section. */
export interface SchemaToSchemaSection {
  mapping_file: string;
  staging_schema: string;
  batch_size: number;
  throttle: number;
  lock_timeout: number;
  strategy: "fdw" | "copy";
  since_column: string;
  overlap: number;
  chunk_size: number;
}

/** Validator for the `schema_to_schema:` section. */
export const schematoschemaSection: Spec<SchemaToSchemaSection> = obj({
  /** The mapping file, relative to the project root. */
  mapping_file: withDefault(str({ nonEmpty: true }), "db/schema_to_schema.yaml"),
  /** The target schema that receives the foreign tables and the checkpoint table. */
  staging_schema: withDefault(
    str({ pattern: /^[a-z_][a-z0-9_]*$/, hint: "a lower-case identifier: letters, digits and _" }),
    "confiture_source",
  ),
  /** Rows per batch (one transaction and one checkpoint each). */
  batch_size: withDefault(int({ min: 1, max: 10_000_000 }), D.batchSize),
  /** Pause between batches, to leave headroom for production traffic. */
  throttle: withDefault(duration(), D.throttleMs),
  /** Bound on every lock wait on the target (announced on stderr while it lasts). */
  lock_timeout: withDefault(duration(), D.lockTimeoutMs),
  /** Default data path for every table. */
  strategy: withDefault(oneOf(["fdw", "copy"] as const), "fdw" as "fdw" | "copy"),
  /** Catch-up: the source column holding each row's last-change time. */
  since_column: withDefault(str({ nonEmpty: true }), D.sinceColumn),
  /** Catch-up: also re-copy rows this much older than the last run, for late commits. */
  overlap: withDefault(duration(), D.overlapMs),
  /** Verify: source rows per checksum chunk. */
  chunk_size: withDefault(int({ min: 1, max: 10_000_000 }), D.chunkSize),
});
