/**
 * Rules about locks and rewrites on tables that already hold data: non-concurrent indexes,
 * rewriting ADD COLUMN / ALTER TYPE, SET NOT NULL scans, constraints validated under the lock,
 * and ACCESS EXCLUSIVE statements with no lock_timeout.
 *
 * @module
 */
import { calledFunctions, type ColumnType, columnType, rangeVarName, type RelName, showRel, showType } from "./ast.ts";
import { accessExclusiveTarget } from "./lock_levels.ts";
import type { Node, Statement } from "../sql/split.ts";
import { isExisting, type RawFinding, type RuleContext } from "./rule_context.ts";

// Functions whose volatility is known without a database (the common defaults).
const VOLATILE = new Set([
  "random",
  "random_normal",
  "gen_random_uuid",
  "gen_random_bytes",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "uuidv4",
  "uuidv7",
  "clock_timestamp",
  "timeofday",
  "nextval",
  "setval",
  "txid_current",
  "pg_current_xact_id",
]);
const NOT_VOLATILE = new Set([
  "now",
  "transaction_timestamp",
  "statement_timestamp",
  "current_setting",
  "lower",
  "upper",
  "btrim",
  "trim",
  "concat",
  "jsonb_build_object",
  "json_build_object",
  "jsonb_build_array",
  "json_build_array",
  "make_date",
  "make_timestamp",
  "make_timestamptz",
  "make_interval",
  "date_trunc",
  "to_timestamp",
  "to_date",
  "length",
  "array_fill",
  "to_jsonb",
  "to_json",
  "md5",
  "abs",
  "greatest",
  "least",
  "current_database",
  "current_schema",
  "current_user",
  "session_user",
]);
const SERIAL = new Set(["serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"]);

/** Check one statement of an up migration against the lock rules. */
export function checkLockRules(stmt: Statement, ctx: RuleContext): RawFinding[] {
  const out: RawFinding[] = [];
  const n = stmt.node;
  if (stmt.type === "IndexStmt") {
    const rel = rangeVarName(n.relation);
    if (!n.concurrent && isExisting(ctx, rel)) {
      out.push({
        rule: "create-index-non-concurrent",
        stmt,
        table: rel,
        message: `CREATE INDEX${n.idxname ? ` ${n.idxname}` : ""} on existing table ${showRel(rel)} without ` +
          "CONCURRENTLY blocks writes while the index builds",
      });
    }
  }
  if (stmt.type === "AlterTableStmt" && n.objtype === "OBJECT_TABLE") {
    const rel = rangeVarName(n.relation);
    if (isExisting(ctx, rel)) {
      for (const { AlterTableCmd: cmd } of n.cmds ?? []) if (cmd) out.push(...checkAlterCmd(stmt, cmd, rel, ctx));
    }
  }
  const locked = accessExclusiveTarget(stmt);
  if (!ctx.lockTimeoutActive && locked && isExisting(ctx, locked.rel)) {
    out.push({
      rule: "missing-lock-timeout",
      stmt,
      message: `${locked.what} takes an ACCESS EXCLUSIVE lock on ${showRel(locked.rel)} and ` +
        (ctx.lockTimeoutOffAt !== undefined
          ? `line ${ctx.lockTimeoutOffAt} turned lock_timeout off (0 waits forever)`
          : "no lock_timeout is set"),
    });
  }
  return out;
}

function checkAlterCmd(stmt: Statement, cmd: Node, rel: RelName, ctx: RuleContext): RawFinding[] {
  const table = showRel(rel);
  switch (cmd.subtype) {
    case "AT_AddColumn": {
      const def = cmd.def?.ColumnDef ?? {};
      const col = def.colname as string;
      const type = columnType(def.typeName);
      const constraints: Node[] = (def.constraints ?? []).map((c: Node) => c.Constraint).filter(Boolean);
      const rewrite = (what: string): RawFinding => ({
        rule: "add-column-volatile-default",
        stmt,
        table: rel,
        message: `ADD COLUMN ${col} ${what} rewrites every row of ${table}`,
      });
      if (type && SERIAL.has(type.name)) return [rewrite(`of type ${type.name}`)];
      if (constraints.some((c) => c.contype === "CONSTR_IDENTITY")) return [rewrite("GENERATED … AS IDENTITY")];
      if (constraints.some((c) => c.contype === "CONSTR_GENERATED" && c.generated_kind === "s")) {
        return [rewrite("GENERATED … STORED")];
      }
      const fns = calledFunctions(constraints.filter((c) => c.contype === "CONSTR_DEFAULT").map((c) => c.raw_expr));
      const vol = fns.map((f) => ({
        f,
        v: ctx.batch.volatility(f) ?? ctx.facts?.volatility(f) ?? builtinVolatility(f),
      }));
      const volatile = vol.find((x) => x.v === "v");
      if (volatile) return [rewrite(`with the volatile default ${volatile.f}()`)];
      const unknown = vol.find((x) => x.v === undefined);
      if (unknown) {
        return [{
          ...rewrite(`with a default calling ${unknown.f}(), whose volatility is unknown (a volatile default)`),
          uncertain: true,
        }];
      }
      return [];
    }
    case "AT_AlterColumnType": {
      const col = cmd.name as string;
      const def = cmd.def?.ColumnDef ?? {};
      const to = columnType(def.typeName);
      const from = ctx.batch.columnType(rel, col) ?? ctx.facts?.table(rel)?.columns.get(col)?.type;
      if (!to) return [];
      const finding = (message: string, uncertain = false): RawFinding[] => [{
        rule: "alter-column-type-rewrite",
        stmt,
        table: rel,
        message,
        uncertain,
      }];
      if (def.raw_default) return finding(`ALTER COLUMN ${col} TYPE ${showType(to)} USING … rewrites ${table}`);
      if (!from) {
        return finding(
          `ALTER COLUMN ${col} TYPE ${showType(to)} rewrites ${table} unless the change is binary-coercible; ` +
            "the current type is unknown (lint with a database connection to check)",
          MAYBE_COERCIBLE.has(to.name),
        );
      }
      if (binaryCoercible(from, to)) return [];
      return finding(`ALTER COLUMN ${col} TYPE ${showType(from)} → ${showType(to)} rewrites ${table}`);
    }
    case "AT_SetNotNull": {
      const col = cmd.name as string;
      const live = ctx.facts?.table(rel);
      if (live?.columns.get(col)?.notNull || live?.notNullChecks.has(col)) return [];
      if (ctx.batch.hasValidNotNullCheck(rel, col)) return [];
      return [{
        rule: "set-not-null-scan",
        stmt,
        table: rel,
        message: `ALTER COLUMN ${col} SET NOT NULL scans all of ${table} under an ACCESS EXCLUSIVE lock`,
      }];
    }
    case "AT_AddConstraint": {
      const c = cmd.def?.Constraint ?? {};
      const name = c.conname ? ` ${c.conname}` : "";
      if ((c.contype === "CONSTR_FOREIGN" || c.contype === "CONSTR_CHECK") && !c.skip_validation) {
        const kind = c.contype === "CONSTR_FOREIGN" ? "FOREIGN KEY" : "CHECK";
        return [{
          rule: "constraint-without-not-valid",
          stmt,
          table: rel,
          message: `ADD CONSTRAINT${name} ${kind} on ${table} without NOT VALID checks every row under the lock`,
        }];
      }
      if (["CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"].includes(c.contype) && !c.indexname) {
        const kind = c.contype === "CONSTR_PRIMARY"
          ? "PRIMARY KEY"
          : c.contype === "CONSTR_UNIQUE"
          ? "UNIQUE"
          : "EXCLUDE";
        return [{
          rule: "add-unique-constraint",
          stmt,
          table: rel,
          message: `ADD CONSTRAINT${name} ${kind} on ${table} builds its index while writes are blocked`,
        }];
      }
      return [];
    }
    case "AT_ValidateConstraint": {
      const added = ctx.batch.constraint(rel, cmd.name);
      if (added && !added.valid && added.addedIn === ctx.where) {
        return [{
          rule: "constraint-without-not-valid",
          stmt,
          table: rel,
          message: `VALIDATE CONSTRAINT ${cmd.name} runs in the same transaction that added it NOT VALID, so ` +
            `${table} stays locked while every row is checked`,
        }];
      }
      return [];
    }
  }
  return [];
}

// Target types that are binary-coercible from some other type; with the old type unknown, only a warning.
const MAYBE_COERCIBLE = new Set(["text", "varchar", "numeric", "varbit", "inet", "timestamp", "timestamptz", "time"]);
const TYPMOD_WIDENING = new Set(["varchar", "varbit", "timestamp", "timestamptz", "time", "timetz", "interval"]);

/**
 * Whether ALTER COLUMN … TYPE from `from` to `to` skips the table rewrite (PostgreSQL 9.2+:
 * relabelling, or a length/precision increase handled by the type's support function).
 */
export function binaryCoercible(from: ColumnType, to: ColumnType): boolean {
  if (from.isArray !== to.isArray) return false;
  if (from.name === to.name) {
    if (same(from.mods, to.mods) || to.mods.length === 0 && !from.isArray) return true;
    if (from.isArray || from.mods.length === 0) return false;
    if (TYPMOD_WIDENING.has(from.name)) return to.mods[0] >= from.mods[0];
    if (from.name === "numeric") return (to.mods[1] ?? 0) === (from.mods[1] ?? 0) && to.mods[0] >= from.mods[0];
    return false;
  }
  if (from.isArray) return false;
  if (from.name === "varchar" && to.name === "text") return true;
  if (from.name === "text" && to.name === "varchar") return to.mods.length === 0;
  if (from.name === "cidr" && to.name === "inet") return true;
  return false;
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function builtinVolatility(fn: string): "v" | "s" | undefined {
  return VOLATILE.has(fn) ? "v" : NOT_VOLATILE.has(fn) ? "s" : undefined;
}
