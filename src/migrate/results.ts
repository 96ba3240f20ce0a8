/**
 * Typed results of the migrate commands. Their own enumerable fields are exactly the JSON
 * contract; conveniences (`hasPending`, …) are getters, so they never leak into JSON.
 *
 * @module
 */

/** One migration's state in `status`. */
export interface MigrationStatus {
  version: string;
  name: string;
  /**
   * `missing`: applied, but its file is gone. `edited`: applied, but its up file changed since
   * (`migrate up` refuses to go on). `partial`: a non-transactional run stopped midway.
   */
  status: "applied" | "pending" | "missing" | "edited" | "partial";
  applied_at: string | null;
  /** Only when the tracking row records another name for this version (paired by version). */
  recorded_name?: string;
  /** Only when the down file changed since the up ran: a warning, it blocks only a rollback. */
  down_edited?: true;
  /** Only for `partial`: where the statement-by-statement run stopped. */
  stopped_at?: {
    direction: "up" | "down";
    statement: number;
    of: number;
    line: number | null;
    error: string | null;
  };
}

/** Result of `status()`: the seed's JSON shape. */
export class StatusResult {
  /** False when an applied migration's file is missing or its up part was edited. */
  ok: boolean;
  /** The database read: host, port and name, never the password. */
  database: string;
  tracking_table: string;
  /** Whether the tracking table exists. */
  initialized: boolean;
  applied: string[];
  pending: string[];
  migrations: MigrationStatus[];
  summary: { applied: number; pending: number; total: number; missing: number; edited: number };

  constructor(fields: {
    database: string;
    tracking_table: string;
    migrations: MigrationStatus[];
    initialized: boolean;
  }) {
    this.database = fields.database;
    this.tracking_table = fields.tracking_table;
    this.initialized = fields.initialized;
    this.applied = fields.migrations.filter((m) => ["applied", "missing", "edited"].includes(m.status)).map((m) =>
      m.version
    );
    this.pending = fields.migrations.filter((m) => m.status === "pending" || m.status === "partial").map((m) =>
      m.version
    );
    this.migrations = fields.migrations;
    const count = (status: string) => fields.migrations.filter((m) => m.status === status).length;
    this.summary = {
      applied: this.applied.length,
      pending: this.pending.length,
      total: fields.migrations.length,
      missing: count("missing"),
      edited: count("edited"),
    };
    this.ok = this.summary.missing === 0 && this.summary.edited === 0;
  }

  /** Whether any migration is pending (or partially applied). */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Applied migrations whose files are missing. */
  get missing(): MigrationStatus[] {
    return this.migrations.filter((m) => m.status === "missing");
  }

  /** Applied migrations whose up file was edited since: `migrate up` refuses to go on. */
  get edited(): MigrationStatus[] {
    return this.migrations.filter((m) => m.status === "edited");
  }
}

/** One migration applied or rolled back. */
export interface MigrationRun {
  version: string;
  name: string;
  duration_ms: number;
}

/** A migration that failed, with where and why. */
export interface MigrationFailure {
  version: string;
  name: string;
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
  sqlstate: string | null;
  detail: string | null;
  hint: string | null;
}

/** One step of a plan, for dry runs. */
export interface PlannedMigration {
  version: string;
  name: string;
  file: string;
  /** `transaction`, `no-transaction` or `explicit` (the file's own BEGIN/COMMIT). */
  mode: "transaction" | "no-transaction" | "explicit";
  /** The exact SQL that would be sent, with transaction boundaries and SET statements. */
  sql: string;
}

/** Result of `up()`: `applied`, `skipped`, `errors`, `total_duration_ms`, `duration_ms` are a contract. */
export interface UpResult {
  applied: string[];
  /** Pending migrations left for later by --steps or --target. */
  skipped: string[];
  errors: MigrationFailure[];
  total_duration_ms: number;
  migrations: MigrationRun[];
  dry_run: boolean;
  /** Present on dry runs: what would run. */
  plan?: PlannedMigration[];
}

/** Result of `down()`. */
export interface DownResult {
  rolled_back: string[];
  skipped: string[];
  errors: MigrationFailure[];
  total_duration_ms: number;
  migrations: MigrationRun[];
  dry_run: boolean;
  plan?: PlannedMigration[];
}

/** Result of `baseline()`. */
export interface BaselineResult {
  marked: string[];
  already_applied: string[];
  dry_run: boolean;
}

/** Result of `reinit()`. */
export interface ReinitResult {
  deleted: number;
  marked: string[];
  dry_run: boolean;
}
