/**
 * Copy data from one database into another with PII masked on the way. Each table streams
 * `COPY … TO STDOUT` → row rewriting → `COPY … FROM STDIN`; nothing is held beyond a chunk
 * and nothing touches the disk.
 *
 * @module
 */
import type { Database, Queryable, ReservedSession } from "../db/database.ts";
import { ConfigError, SchemaError } from "../errors.ts";
import { silent } from "../events.ts";
import { readSyncCatalog } from "./catalog.ts";
import { clearCheckpoints, ensureCheckpointTable, readCheckpoints, recordFailure } from "./checkpoint.ts";
import { readNestedColumns } from "./column_shapes.ts";
import { SyncConnectionLostError, syncFailure, type SyncProgress } from "./failure.ts";
import { assertSyncEnds } from "./guards.ts";
import { type LockWatch, watchLockWaits } from "./lock_watch.ts";
import { confitureTables } from "./owned_tables.ts";
import type { FieldRewriter } from "./copy_text.ts";
import { HmacSha256 } from "./hmac_sha256.ts";
import { loadGroup, RowCountMismatchError, sqlName } from "./load.ts";
import type { SyncOptions, SyncReport, SyncTableReport } from "./sync_types.ts";
import { planSync, type SyncPlan, type TablePlan } from "./plan.ts";
import { compileRule, needsKey } from "./strategies.ts";
import { agree, count } from "../plural.ts";

export type { SyncOptions, SyncReport, SyncTableReport };
export { RowCountMismatchError, SyncConnectionLostError };

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * Read both catalogs and build the plan, throwing when data must not move: schema
 * mismatches (SchemaError, exit 4), unusable rules or unmasked PII (ConfigError, exit 5).
 */
export async function checkSync(source: Queryable, target: Queryable, options: SyncOptions): Promise<SyncPlan> {
  const ignoreTables = confitureTables(options.ignoreTables);
  const [src, dst] = await Promise.all([
    readSyncCatalog(source, options.schemas).then((c) => readNestedColumns(source, c, { ...options, ignoreTables })),
    readSyncCatalog(target, options.schemas).then((c) => readNestedColumns(target, c)),
  ]);
  const plan = planSync(src, dst, { ...options, ignoreTables });
  if (plan.mismatches.length > 0) {
    throw new SchemaError(
      `The target does not match the source (${plan.mismatches.length} difference${plural(plan.mismatches)}):\n  ${
        plan.mismatches.join("\n  ")
      }`,
      {
        code: "SYNC_SCHEMA_MISMATCH",
        hint: "Build the target from the same schema (confiture build --apply or migrate up), then sync again",
        details: { mismatches: plan.mismatches },
      },
    );
  }
  if (plan.problems.length > 0) {
    throw new ConfigError(
      `${plan.problems.length} anonymization rule problem${plural(plan.problems)}:\n  ${plan.problems.join("\n  ")}`,
      { problems: plan.problems, code: "SYNC_RULE_INVALID" },
    );
  }
  if (plan.unmaskedPii.length > 0 && !options.allowUnmasked) {
    const lines = plan.unmaskedPii.map((p) =>
      `${p.column}${p.path ? ` ${p.path}` : ""} (${p.type}) looks like ${p.kind}`
    );
    throw new ConfigError(
      `Refusing to copy ${count(lines.length, "column")} that ${
        agree(lines.length, "looks", "look")
      } like personal data without a rule:\n  ${lines.join("\n  ")}`,
      {
        code: "SYNC_UNMASKED_PII",
        hint: "Add rules to the anonymization profile (strategy keep marks a column as not personal), " +
          "or pass --allow-unmasked",
        details: { columns: plan.unmaskedPii },
        problems: lines,
      },
    );
  }
  const keyed = plan.groups.flatMap((g) => g.tables.flatMap((t) => t.masked)).filter((m) => needsKey(m.rule));
  if (keyed.length > 0 && !options.key?.length) {
    throw new ConfigError(
      `${count(keyed.length, "masked column")} ${
        agree(keyed.length, "needs", "need")
      } the anonymization key, which is not set`,
      {
        code: "SYNC_NO_KEY",
        hint: `Set ${options.keySource ?? "CONFITURE_ANON_KEY"} to a secret (at least 16 characters)`,
      },
    );
  }
  return plan;
}

/**
 * Sync `source` into `target`. The target must already have the schema. A server source
 * uses two connections of its pool when it has them: one streams the tables, the other counts
 * their rows on the same snapshot meanwhile (with one connection, counts run before each COPY).
 * A spare session on each server watches for lock waits.
 *
 * Refused before anything is read: a protected target, and a target that is the source under
 * another spelling (ConfigError `SYNC_PROTECTED_TARGET`, `SAME_DATABASE`). A lost connection
 * throws SyncConnectionLostError (exit 3), a lock wait past `lockTimeoutMs` LockError (exit 6);
 * both name the finished and unfinished tables, which the checkpoint table records too.
 *
 * @example
 * ```ts
 * import { syncDatabases } from "./sync.ts";
 * import type { Rule } from "./rule.ts";
 * import type { Database } from "../db/database.ts";
 * declare const prod: Database, local: Database, secret: string, profile: { rules: Map<string, Rule> };
 *
 * const report = await syncDatabases(prod, local, {
 *   rules: profile.rules,
 *   key: new TextEncoder().encode(secret),
 *   onEvent: console.error,
 * });
 * report.total_rows;
 * ```
 */
export async function syncDatabases(source: Database, target: Database, options: SyncOptions): Promise<SyncReport> {
  const started = performance.now();
  const emit = options.onEvent ?? silent;
  await assertSyncEnds(source, target, options);
  const plan = await checkSync(source, target, options);
  const warnings = [...plan.warnings];
  if (options.key && options.key.length < 16) warnings.push("the anonymization key is shorter than 16 bytes");
  for (const p of plan.unmaskedPii) {
    warnings.push(`${p.column}${p.path ? ` ${p.path}` : ""} looks like ${p.kind} and is copied unmasked`);
  }
  for (const w of warnings) emit({ type: "warning", message: w });
  const mac = options.key?.length ? new HmacSha256(options.key) : undefined;
  const rewriters = new Map<string, Map<number, FieldRewriter>>();
  for (const group of plan.groups) {
    for (const t of group.tables) rewriters.set(t.key, await compileTable(t, mac));
  }
  const order = plan.groups.flatMap((g) => g.tables.map((t) => t.key));
  const report: SyncReport = {
    dry_run: Boolean(options.dryRun),
    order,
    tables: [],
    skipped: [],
    total_rows: 0,
    duration_ms: 0,
    rows_per_second: 0,
    warnings,
    unmasked_pii: plan.unmaskedPii,
  };
  if (options.dryRun) {
    for (const t of plan.groups.flatMap((g) => g.tables)) {
      // A never-analysed table has no estimate: count it (dry runs are for looking).
      const rows = t.estimate ?? Number(
        (await source.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sqlName(t.key)}`))[0].n,
      );
      report.tables.push({
        name: t.key,
        rows: Math.round(rows),
        duration_ms: 0,
        anonymized_columns: t.masked.map((m) => t.columns[m.index]),
      });
    }
    report.total_rows = report.tables.reduce((n, t) => n + t.rows, 0);
    return finish(report, started);
  }

  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS));
  const done = new Map<string, number>();
  const at: SyncProgress = {
    sourceSide: `the source${options.sourceName ? ` (${options.sourceName})` : ""}`,
    targetSide: `the target${options.targetName ? ` (${options.targetName})` : ""}`,
    sourceLabel: source.label,
    targetLabel: target.label,
    doing: "starting",
    done: [],
    pending: order,
    lockTimeoutMs,
    lastWait: {},
  };
  const progress = () => {
    at.done = order.filter((k) => done.has(k) || report.tables.some((t) => t.name === k));
    at.pending = order.filter((k) => !at.done.includes(k));
    return at;
  };
  const src = await source.reserve();
  let tgt: ReservedSession | undefined;
  let counter: ReservedSession | undefined;
  const watches: { side: "source" | "target"; watch: LockWatch }[] = [];
  let failure: { error: unknown } | undefined;
  try {
    tgt = await target.reserve();
    // A lock held by someone else makes a statement fail after lockTimeoutMs instead of
    // waiting forever; the watches below say meanwhile who holds it.
    await tgt.exec(`SET lock_timeout = ${lockTimeoutMs}`);
    // One snapshot for every table, so counts and COPY agree and FKs line up across tables.
    at.doing = "opening the source snapshot";
    await src.exec(sourceBegin(lockTimeoutMs));
    counter = await snapshotCounter(source, src, lockTimeoutMs);
    const watched = [
      { side: "target", db: target, pids: [tgt.pid] },
      { side: "source", db: source, pids: counter ? [src.pid, counter.pid] : [src.pid] },
    ] as const;
    for (const { side, db, pids } of watched) {
      const watch = await watchLockWaits(db, pids, {
        doing: () => at.doing,
        emit,
        side: side === "target" ? at.targetSide : at.sourceSide,
        reserve: (d) => reserveSoon(d, 1_000),
      });
      if (watch) watches.push({ side, watch });
    }
    at.doing = "preparing the checkpoint table";
    await ensureCheckpointTable(tgt);
    if (options.resume) {
      for (const c of await readCheckpoints(tgt)) {
        if (c.source === source.label) done.set(c.table, c.rows);
        else warnings.push(`checkpoint for ${c.table} came from another source (${c.source}); reloading it`);
      }
    }
    const pending = order.filter((k) => !done.has(k));
    // Empty every table still to load in one statement, without CASCADE: a referencing table
    // outside the selection was already reported by the plan.
    at.doing = `emptying ${pending.join(", ")}`;
    await tgt.transaction(async (tx) => {
      if (options.resume) await clearCheckpoints(tx, pending);
      else await clearCheckpoints(tx);
      if (pending.length > 0) await tx.exec(`TRUNCATE ${pending.map(sqlName).join(", ")}`);
    });
    for (const group of plan.groups) {
      const finished = group.tables.filter((t) => done.has(t.key));
      if (finished.length === group.tables.length) {
        for (const t of finished) report.skipped.push({ name: t.key, rows: done.get(t.key)! });
        continue;
      }
      at.doing = `loading ${group.tables.map((t) => t.key).join(", ")}`;
      const loaded = await loadGroup(src, tgt, group, rewriters, source.label, options, emit, counter);
      report.tables.push(...loaded);
    }
    // Every table is loaded and checkpointed: the read-only source transactions only end.
    // Losing the source now loses nothing, so it is no failure.
    for (const session of counter ? [src, counter] : [src]) {
      await session.exec("COMMIT").catch((e) =>
        emit({ type: "warning", message: `the source transaction did not end cleanly: ${(e as Error).message}` })
      );
    }
  } catch (e) {
    await src.exec("ROLLBACK").catch(() => {});
    await counter?.exec("ROLLBACK").catch(() => {});
    for (const { side, watch } of watches) at.lastWait[side] = watch.last();
    failure = { error: syncFailure(e, progress()) };
  } finally {
    for (const { watch } of watches) await watch.stop().catch(() => {});
    await tgt?.exec("RESET lock_timeout").catch(() => {});
    await src.release();
    await counter?.release();
    await tgt?.release();
  }
  if (failure) {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    // Through a pool session, once this run's are back: the target's own may be the one lost.
    // A second try, in case the pool handed out a connection that died with the first.
    for (let attempt = 0; attempt < 2; attempt++) {
      const recorded = await target.transaction(async (tx) => {
        await tx.exec("SET LOCAL lock_timeout = 2000");
        await recordFailure(tx, at.pending, source.label, message);
      }).then(() => true, () => false);
      if (recorded) break;
    }
    throw failure.error;
  }
  report.total_rows = report.tables.reduce((n, t) => n + t.rows, 0);
  return finish(report, started);
}

function sourceBegin(lockTimeoutMs: number): string {
  return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'; " +
    `SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; SET LOCAL lock_timeout = ${lockTimeoutMs}`;
}

/**
 * A second source session on the same snapshot as `src`, so each table's row count runs
 * beside its COPY instead of before it. Undefined for PGlite (one backend) or when the server
 * cannot share the snapshot; counts then run on `src`, before each COPY.
 */
async function snapshotCounter(
  source: Database,
  src: ReservedSession,
  lockTimeoutMs: number,
): Promise<ReservedSession | undefined> {
  if (source.capabilities.sessions !== "many") return undefined;
  let snapshot: string;
  try {
    [{ snapshot }] = await src.query<{ snapshot: string }>("SELECT pg_export_snapshot() AS snapshot");
  } catch {
    // The failed export aborted the transaction; nothing was read yet, so start it again.
    await src.exec("ROLLBACK");
    await src.exec(sourceBegin(lockTimeoutMs));
    return undefined;
  }
  let counter: ReservedSession | undefined;
  try {
    counter = await reserveSoon(source, 1_000);
    if (!counter) return undefined;
    await counter.exec(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${
        snapshot.replaceAll("'", "''")
      }'; SET LOCAL lock_timeout = ${lockTimeoutMs}`,
    );
    return counter;
  } catch {
    await counter?.exec("ROLLBACK").catch(() => {});
    await counter?.release();
    return undefined;
  }
}

/**
 * A second session if the pool can give one promptly. A pool of one connection (a library
 * caller's choice) would otherwise wait forever for the session `src` holds; a session that
 * arrives after the deadline is handed straight back.
 */
async function reserveSoon(db: Database, ms: number): Promise<ReservedSession | undefined> {
  const pending = db.reserve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    const got = await Promise.race([pending, late]);
    if (!got) pending.then((s) => s.release(), () => {});
    return got;
  } finally {
    clearTimeout(timer);
  }
}

function finish(report: SyncReport, started: number): SyncReport {
  report.duration_ms = Math.round(performance.now() - started);
  report.rows_per_second = report.duration_ms > 0 ? Math.round(report.total_rows / (report.duration_ms / 1000)) : 0;
  return report;
}

async function compileTable(t: TablePlan, mac: HmacSha256 | undefined): Promise<Map<number, FieldRewriter>> {
  const out = new Map<number, FieldRewriter>();
  for (const m of t.masked) {
    const masker = await compileRule(m.rule, m.column, mac);
    out.set(
      m.index,
      Object.assign((v: string | null) => v === null ? null : masker(v), { clean: masker.clean, bytes: masker.bytes }),
    );
  }
  return out;
}

function plural(list: readonly unknown[]): string {
  return list.length === 1 ? "" : "s";
}
