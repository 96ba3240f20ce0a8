/**
 * The schema-to-schema medium's library entry: one object holding both ends open, with one
 * method per phase (setup, analyze, copy, catch-up, verify, cleanup) returning its report.
 * It owns what every caller needs: the mapping and plans, the settings of the target's
 * `schema_to_schema:` section as defaults, the staging check, and the same-database guard
 * before anything is written. The CLI parses flags, asks its questions through the confirm
 * hooks, and renders.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import type { ServerTarget } from "../db/url.ts";
import { UsageError } from "../errors.ts";
import { type EventSink, silent } from "../events.ts";
import { resolve } from "../platform/path.ts";
import { analyzeTables, type TableAnalysis } from "./analyze.ts";
import { catchUpTable, checkSinceColumn, type TableCatchUpResult } from "./catch_up.ts";
import { assertDistinctEnds } from "./ends.ts";
import {
  cleanupForeignServer,
  type CleanupResult,
  type FdwAddress,
  setupForeignServer,
  type SetupResult,
} from "./fdw.ts";
import { loadMappingFile } from "./load_mapping.ts";
import type { MappingFile } from "./mapping.ts";
import type { TableMigrateResult } from "./migrate_table.ts";
import { migrateTables } from "./migrate_tables.ts";
import { type DataPath, planTables, type TablePlan } from "./plan.ts";
import { restartTables } from "./restart.ts";
import { type TableVerifyResult, verifyTable } from "./verify.ts";

/** How many deleted keys a catch-up, and mismatching ranges a verify, list per table. */
const MAX_LISTED = 20;

/** Options for {@link SchemaToSchema.open}. */
export interface SchemaToSchemaOpenOptions {
  /** The mapping file (default: the target's `schema_to_schema.mapping_file`, from its project). */
  mapping?: string;
  /** Server notices from either end. */
  onNotice?: (message: string) => void;
}

/** The tables a phase works on. */
export interface TableSelection {
  /** Only these target tables (default: every mapped one). */
  tables?: string[];
  /** Data path for tables without their own (default: the section's `strategy`). */
  strategy?: DataPath;
}

/** PhaseBatching options; each defaults to the target's `schema_to_schema:` section. */
export interface PhaseBatching {
  batchSize?: number;
  throttleMs?: number;
  lockTimeoutMs?: number;
  onEvent?: EventSink;
}

/** Options for {@link SchemaToSchema.copy}. */
export interface CopyPhaseOptions extends TableSelection, PhaseBatching {
  resume?: boolean;
  /** Empty the target tables and copy them again (after `confirmRestart`). */
  restart?: boolean;
  /** Called with the tables `restart` will empty, before anything is emptied; throw to stop. */
  confirmRestart?: (tables: string[]) => Promise<void>;
}

/** Options for {@link SchemaToSchema.catchUp}. */
export interface CatchUpPhaseOptions extends TableSelection, PhaseBatching {
  /** Source column of each row's last-change time (default: the section's `since_column`). */
  sinceColumn?: string;
  /** Re-copy rows this much older than the last run (default: the section's `overlap`). */
  overlapMs?: number;
  /** Delete target rows the source no longer has (after `confirmDelete`). */
  delete?: boolean;
  /** Called before any table is caught up when `delete` is set; throw to stop. */
  confirmDelete?: () => Promise<void>;
}

/** What {@link SchemaToSchema.analyze} reports. */
export interface AnalyzeReport {
  batchSize: number;
  tables: TableAnalysis[];
}

/** What {@link SchemaToSchema.copy} reports. */
export interface CopyReport {
  rows: number;
  tables: TableMigrateResult[];
}

/** What {@link SchemaToSchema.catchUp} reports. */
export interface CatchUpReport {
  sinceColumn: string;
  deleted: number;
  tables: TableCatchUpResult[];
}

/** What {@link SchemaToSchema.verify} reports. */
export interface VerifyReport {
  matched: boolean;
  tables: TableVerifyResult[];
}

/**
 * Both ends of a schema-to-schema rebuild, open; closed on dispose.
 *
 * @example
 * ```ts
 * import { SchemaToSchema } from "./schema_to_schema.ts";
 * import { loadEnvironment } from "../config/load.ts";
 *
 * await using s2s = await SchemaToSchema.open(
 *   await loadEnvironment({ env: "legacy" }),
 *   await loadEnvironment({ env: "rebuilt" }),
 * );
 * await s2s.copy({ strategy: "copy", resume: true });
 * const { matched } = await s2s.verify();
 * ```
 */
export class SchemaToSchema implements AsyncDisposable {
  #mapping?: Promise<MappingFile>;

  private constructor(
    readonly sourceEnv: Environment,
    readonly targetEnv: Environment,
    readonly source: Database,
    readonly target: Database,
    private readonly mappingPath: string | undefined,
  ) {}

  /** Open both ends. The source must be a server (PGlite cannot be reached by postgres_fdw or COPY from afar). */
  static async open(
    sourceEnv: Environment,
    targetEnv: Environment,
    options: SchemaToSchemaOpenOptions = {},
  ): Promise<SchemaToSchema> {
    if (sourceEnv.target.kind !== "server") {
      throw new UsageError(`Source environment "${sourceEnv.name}" must be a PostgreSQL server, not PGlite`);
    }
    const open = { onNotice: options.onNotice };
    const source = await openDatabase(sourceEnv.target, open);
    let target: Database;
    try {
      target = await openDatabase(targetEnv.target, open);
    } catch (e) {
      await source.close();
      throw e;
    }
    return new SchemaToSchema(sourceEnv, targetEnv, source, target, options.mapping);
  }

  /** The target environment's `schema_to_schema:` section: the defaults of every phase. */
  get settings(): Environment["file"]["schema_to_schema"] {
    return this.targetEnv.file.schema_to_schema;
  }

  /** The staging schema on the target. */
  get staging(): string {
    return this.settings.staging_schema;
  }

  /** The mapping file, read and validated once. */
  mapping(): Promise<MappingFile> {
    const given = this.mappingPath;
    const path = given ? resolve(given) : resolve(this.settings.mapping_file, this.targetEnv.projectDir);
    return this.#mapping ??= loadMappingFile(path, given ?? this.settings.mapping_file);
  }

  /** Check the mapping against both databases and return the table plans. */
  async plans(selection: TableSelection = {}): Promise<TablePlan[]> {
    return await planTables(this.source, this.target, await this.mapping(), {
      strategy: selection.strategy ?? this.settings.strategy,
      tables: selection.tables,
    });
  }

  /** Create postgres_fdw, the foreign server and user mapping, and import the source schemas. */
  async setup(options: { schemas?: string[]; address?: FdwAddress } = {}): Promise<SetupResult> {
    const t = this.targetEnv.target;
    if (t.kind !== "server") {
      throw new UsageError(`Target environment "${this.targetEnv.name}" must be a PostgreSQL server for postgres_fdw`, {
        hint: "use migrate --strategy copy without setup for an embedded target",
      });
    }
    let schemas = options.schemas;
    if (!schemas?.length) {
      const mapping = await this.mapping().catch(() => undefined);
      schemas = mapping ? [...new Set(mapping.tables.map((m) => m.source.schema))] : ["public"];
    }
    // setupForeignServer refuses one database reached twice before it writes.
    return await setupForeignServer(
      this.target,
      { user: t.user, database: t.database },
      this.source,
      this.sourceEnv.target as ServerTarget,
      { staging: this.staging, schemas, address: options.address },
    );
  }

  /** The plan: source rows and size, data path, batches and progress per table. Changes nothing. */
  async analyze(options: TableSelection & { batchSize?: number } = {}): Promise<AnalyzeReport> {
    const plans = await this.plans(options);
    const batchSize = options.batchSize ?? this.settings.batch_size;
    return { batchSize, tables: await analyzeTables(this, plans, { staging: this.staging, batchSize }) };
  }

  /** Copy every selected table in key-ordered batches, one transaction and checkpoint each. */
  async copy(options: CopyPhaseOptions = {}): Promise<CopyReport> {
    const plans = await this.plans(options);
    const onEvent = options.onEvent ?? silent;
    const lockTimeoutMs = options.lockTimeoutMs ?? this.settings.lock_timeout;
    for (const plan of plans) if (plan.strategy === "fdw") await this.requireStaging(plan);
    if (options.restart) {
      await options.confirmRestart?.(plans.map((p) => p.target.name));
      // Emptying the target must never empty the source under another name.
      await assertDistinctEnds(this);
      // Emptied together, so tables that reference each other can be restarted.
      await restartTables(this.target, this.staging, plans, { timeoutMs: lockTimeoutMs, onEvent });
    }
    const tables = await migrateTables(this, plans, {
      staging: this.staging,
      batchSize: options.batchSize ?? this.settings.batch_size,
      throttleMs: options.throttleMs ?? this.settings.throttle,
      lockTimeoutMs,
      resume: Boolean(options.resume),
      restart: false,
      onEvent,
    });
    return { rows: tables.reduce((n, r) => n + r.rows, 0), tables };
  }

  /** Re-copy the rows changed since the last run (upsert on the key); report, or delete, the rows gone. */
  async catchUp(options: CatchUpPhaseOptions = {}): Promise<CatchUpReport> {
    const plans = await this.plans(options);
    const sinceColumn = options.sinceColumn ?? this.settings.since_column;
    await checkSinceColumn(this, plans, sinceColumn);
    if (options.delete) await options.confirmDelete?.();
    const tables: TableCatchUpResult[] = [];
    for (const plan of plans) {
      if (plan.strategy === "fdw") await this.requireStaging(plan);
      // catchUpTable refuses one database reached twice before it writes.
      tables.push(
        await catchUpTable(this, plan, {
          staging: this.staging,
          sinceColumn,
          overlapMs: options.overlapMs ?? this.settings.overlap,
          batchSize: options.batchSize ?? this.settings.batch_size,
          throttleMs: options.throttleMs ?? this.settings.throttle,
          maxDeletedKeys: MAX_LISTED,
          applyDeletes: Boolean(options.delete),
          lockTimeoutMs: options.lockTimeoutMs ?? this.settings.lock_timeout,
          onEvent: options.onEvent ?? silent,
        }),
      );
    }
    return { sinceColumn, deleted: tables.reduce((n, r) => n + r.deleted, 0), tables };
  }

  /** Compare row counts and chunked content checksums on both ends. */
  async verify(options: { tables?: string[]; chunkSize?: number; onEvent?: EventSink } = {}): Promise<VerifyReport> {
    const plans = await this.plans({ tables: options.tables });
    const tables: TableVerifyResult[] = [];
    for (const plan of plans) {
      tables.push(
        await verifyTable(this, plan, {
          chunkSize: options.chunkSize ?? this.settings.chunk_size,
          maxMismatches: MAX_LISTED,
          onEvent: options.onEvent ?? silent,
        }),
      );
    }
    return { matched: tables.every((r) => r.match), tables };
  }

  /** Drop the foreign server, its user mapping and the staging schema (with its checkpoints). */
  async cleanup(): Promise<CleanupResult> {
    return await cleanupForeignServer(this.target, this.staging);
  }

  /** Close both ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.target.close();
    await this.source.close();
  }

  // The fdw data path needs the foreign table that setup imports: say so before copying.
  private async requireStaging(plan: TablePlan): Promise<void> {
    const [row] = await this.target.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [
      `"${this.staging}"."${plan.source.name.replaceAll('"', '""')}"`,
    ]);
    if (!row.ok) {
      throw new UsageError(`The fdw strategy needs the foreign table ${this.staging}.${plan.source.name}`, {
        hint: "run `confiture migrate schema-to-schema setup` first, or use --strategy copy",
      });
    }
  }
}
