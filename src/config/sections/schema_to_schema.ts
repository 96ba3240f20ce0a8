/**
 * The `schema_to_schema:` section of an environment file. Owned by the schema_to_schema medium; empty until it needs keys.
 *
 * @module
 */
import { obj } from "../validate.ts";

/** Validator for the `schema_to_schema:` section. */
export const schematoschemaSection = obj({});

/** The validated `schema_to_schema:` section. */
export type SchemaToSchemaSection = NonNullable<ReturnType<typeof schematoschemaSection>>;
