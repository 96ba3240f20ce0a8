/**
 * The options of the Migrator and of its workflows, apart from the class so modules that only
 * pass them around do not import the entry.
 *
 * @module
 */
import type { MigrationSettings, TableName } from "../config/environment.ts";
import type { EventSink } from "../events.ts";

/** Options for creating a Migrator. */
export interface MigratorOptions {
  /** Receives progress events (lock waits, each migration applied, retries, warnings). */
  onEvent?: EventSink;
}

/** Settings for `Migrator.fromDatabase`; everything but the folder has a default. */
export interface MigratorSettings extends Partial<Omit<MigrationSettings, "trackingTable">> {
  migrationsDir: string;
  /** The environment's `lint:` settings, applied by the lint gate of `up`. */
  lint?: { smallTableRows?: number; rules?: Readonly<Record<string, "error" | "warning" | "off">> };
  /** Relative paths in messages start here (default: the working directory). */
  projectDir?: string;
  trackingTable?: TableName | string;
}

/** Options for `Migrator.up`. */
export interface UpOptions {
  /** Apply at most this many pending migrations. */
  steps?: number;
  /** Apply pending migrations up to and including this version. */
  target?: string;
  /** Change nothing; report what would run. */
  dryRun?: boolean;
  /** Apply pending migrations older than the newest applied one. */
  allowOutOfOrder?: boolean;
  /** Run the lock-aware lint first and stop on errors (default true). */
  lint?: boolean;
  /** Lint rules allowed for this run, with the reason recorded in each tracking row. */
  allow?: ReadonlyMap<string, string>;
  /**
   * Aborting cancels the running statement on the server (PGlite: stops after it), releases
   * the lock and throws InterruptedError (exit 130); a string `reason` names the signal.
   */
  signal?: AbortSignal;
}

/** Options for `Migrator.down`. */
export interface DownOptions {
  /** Roll back this many migrations (default 1). */
  steps?: number;
  /** Roll back every migration newer than this version (`0`: all). */
  target?: string;
  dryRun?: boolean;
  /** As {@link UpOptions.signal}. */
  signal?: AbortSignal;
}
