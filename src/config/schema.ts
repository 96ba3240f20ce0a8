/**
 * The shape of `db/environments/<name>.yaml`: every key Confiture reads, with its type and
 * default. Medium-specific sections live in `sections/`.
 *
 * @module
 */
import { bool, duration, either, int, list, obj, oneOf, section, type Spec, str, withDefault } from "./validate.ts";
import { DEFAULT_TRACKING_TABLE, MIGRATION_DEFAULTS } from "./defaults.ts";
import { type BuildSection, buildSection } from "./sections/build.ts";
import { type SyncSection, syncSection } from "./sections/sync.ts";
import { type SchemaToSchemaSection, schematoschemaSection } from "./sections/schema_to_schema.ts";
import { type LintSection, lintSection } from "./sections/lint.ts";

const RESERVED_TABLE_NAMES = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "case",
  "cast",
  "check",
  "collate",
  "column",
  "constraint",
  "create",
  "default",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "from",
  "grant",
  "group",
  "having",
  "in",
  "into",
  "limit",
  "not",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "primary",
  "references",
  "select",
  "table",
  "then",
  "to",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "when",
  "where",
  "window",
  "with",
]);

const trackingTableText = str({
  pattern: /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)?$/,
  hint: "use name or schema.name with letters, digits and underscores",
});

/** `name` or `schema.name`, plain identifiers, not a reserved word. */
export const trackingTableSpec: Spec<string> = (v, path, ctx) => {
  const text = trackingTableText(v, path, ctx);
  if (text === undefined) return undefined;
  if (RESERVED_TABLE_NAMES.has(text.slice(text.indexOf(".") + 1).toLowerCase())) {
    ctx.problems.push({
      path,
      message: "is a reserved word in PostgreSQL; choose another name",
      line: ctx.lineOf(path),
    });
    return undefined;
  }
  return text;
};

export { RESERVED_TABLE_NAMES };

type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** A `database:` block: the libpq parts under one key. */
export interface DatabaseBlock {
  host: string | undefined;
  port: number | undefined;
  database: string | undefined;
  name: string | undefined;
  user: string | undefined;
  password: string | undefined;
  sslmode: SslMode | undefined;
}

/** The validated raw environment file. */
export interface EnvironmentFile {
  name: string | undefined;
  description: string | undefined;
  database_url: string | undefined;
  direct_url: string | undefined;
  host: string | undefined;
  port: number | undefined;
  database: string | DatabaseBlock | undefined;
  user: string | undefined;
  password: string | undefined;
  sslmode: SslMode | undefined;
  protected: boolean;
  migrations_dir: string;
  include_dirs: string[];
  exclude_dirs: string[];
  seeds_dir: string;
  migration: {
    tracking_table: string;
    lock_timeout: number;
    statement_lock_timeout: number;
    statement_timeout: number;
    lock_retries: number;
    allow_out_of_order: boolean;
  };
  build: BuildSection;
  sync: SyncSection;
  schema_to_schema: SchemaToSchemaSection;
  lint: LintSection;
}

const databaseBlock: Spec<DatabaseBlock> = obj({
  host: str(),
  port: int({ min: 1, max: 65535 }),
  database: str(),
  name: str(),
  user: str(),
  password: str(),
  sslmode: oneOf(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const),
});

/** Validator for a whole environment file. */
export const environmentSpec: Spec<EnvironmentFile> = obj({
  name: str({ pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, hint: "letters, digits, - and _" }),
  description: str(),
  database_url: str({ nonEmpty: true }),
  direct_url: str({ nonEmpty: true }),
  // libpq-style parts, as an alternative to database_url.
  host: str(),
  port: int({ min: 1, max: 65535 }),
  database: either(str(), databaseBlock),
  user: str(),
  password: str(),
  sslmode: oneOf(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const),
  protected: withDefault(bool(), false),
  migrations_dir: withDefault(str({ nonEmpty: true }), "db/migrations"),
  include_dirs: withDefault(list(str({ nonEmpty: true }), { acceptScalar: true }), ["db/schema"]),
  exclude_dirs: withDefault(list(str({ nonEmpty: true }), { acceptScalar: true }), [] as string[]),
  seeds_dir: withDefault(str({ nonEmpty: true }), "db/seeds"),
  migration: section(
    obj({
      tracking_table: withDefault(trackingTableSpec, DEFAULT_TRACKING_TABLE),
      /** How long to wait for the advisory lock another deployer holds. */
      lock_timeout: withDefault(duration(), MIGRATION_DEFAULTS.lockTimeoutMs),
      /** `SET LOCAL lock_timeout` for each migration's statements. */
      statement_lock_timeout: withDefault(duration(), MIGRATION_DEFAULTS.statementLockTimeoutMs),
      /** `SET LOCAL statement_timeout` for each migration; 0 means none. */
      statement_timeout: withDefault(duration(), MIGRATION_DEFAULTS.statementTimeoutMs),
      /** Retries of a migration that failed on lock_timeout (SQLSTATE 55P03). */
      lock_retries: withDefault(int({ min: 0, max: 20 }), MIGRATION_DEFAULTS.lockRetries),
      allow_out_of_order: withDefault(bool(), MIGRATION_DEFAULTS.allowOutOfOrder),
    }),
  ),
  build: section(buildSection),
  sync: section(syncSection),
  schema_to_schema: section(schematoschemaSection),
  lint: section(lintSection),
});
