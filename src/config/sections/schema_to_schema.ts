/**
 * The `schema_to_schema:` section of an environment file: defaults for `confiture migrate
 * schema-to-schema` when this environment is the target.
 *
 * @module
 */
import { duration, int, obj, oneOf, type Spec, str, withDefault } from "../validate.ts";

/** The validated `schema_to_schema:` section. */
export interface SchemaToSchemaSection {
  mapping_file: string;
  staging_schema: string;
  batch_size: number;
  throttle: number;
  lock_timeout: number;
  strategy: "fdw" | "copy";
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
  batch_size: withDefault(int({ min: 1, max: 10_000_000 }), 10_000),
  /** Pause between batches, to leave headroom for production traffic. */
  throttle: withDefault(duration(), 0),
  /** Bound on every lock wait on the target (announced on stderr while it lasts). */
  lock_timeout: withDefault(duration(), 30_000),
  /** Default data path for every table. */
  strategy: withDefault(oneOf(["fdw", "copy"] as const), "fdw" as "fdw" | "copy"),
});
