/**
 * Environment: a trusted, fully resolved configuration for one target database.
 *
 * @module
 */
import type { DatabaseTarget } from "../db/url.ts";
import type { EnvironmentFile } from "./schema.ts";

/** A schema-qualified (or search_path-relative) table name. */
export interface TableName {
  schema?: string;
  name: string;
}

/** Migration settings, in milliseconds where they are durations. */
export interface MigrationSettings {
  trackingTable: TableName;
  /** Advisory-lock wait before giving up with exit 6. */
  lockTimeoutMs: number;
  /** `SET LOCAL lock_timeout` per migration. */
  statementLockTimeoutMs: number;
  /** `SET LOCAL statement_timeout` per migration; 0 = none. */
  statementTimeoutMs: number;
  lockRetries: number;
  allowOutOfOrder: boolean;
}

/** Where the database URL came from, for messages. */
export type UrlSource = "--database-url" | "CONFITURE_DATABASE_URL" | "config" | "DATABASE_URL";

/** A resolved environment: paths absolute, durations in ms, the connection target parsed. */
export interface Environment {
  /** Environment name (`local`, `production`, …). */
  name: string;
  /** Project root; relative paths in the file are resolved against it. */
  projectDir: string;
  /** The YAML file read, if any. */
  configFile?: string;
  /** The connection URL as given (may contain a password: never print it; use `label`). */
  databaseUrl: string;
  /** Where the URL came from; undefined when none was configured (offline commands). */
  urlSource?: UrlSource;
  /** The parsed target. */
  target: DatabaseTarget;
  /** Optional direct (non-pooled) URL for locks and non-transactional work. */
  directUrl?: string;
  /** Production-like: destructive commands refuse or confirm. */
  protected: boolean;
  migrationsDir: string;
  includeDirs: string[];
  excludeDirs: string[];
  seedsDir: string;
  migration: MigrationSettings;
  /** The validated file, for medium-specific sections (`build`, `sync`, …). */
  file: EnvironmentFile;
  /** Every password that appears in this environment, for redaction. */
  secrets: string[];
}
