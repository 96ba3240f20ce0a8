/**
 * What changing a column from one `format_type` string to another costs: nothing (a binary-
 * coercible relabel or widening), a rewrite, or a rewrite that can lose data (narrowing).
 *
 * @module
 */
import type { ColumnType } from "../lint/ast.ts";
import { binaryCoercible } from "../lint/rules_lock.ts";

const NAMES: Record<string, string> = {
  "character varying": "varchar",
  character: "bpchar",
  "timestamp with time zone": "timestamptz",
  "timestamp without time zone": "timestamp",
  "time with time zone": "timetz",
  "time without time zone": "time",
  integer: "int4",
  bigint: "int8",
  smallint: "int2",
  boolean: "bool",
  "double precision": "float8",
  real: "float4",
  "bit varying": "varbit",
};

/** `character varying(20)[]` → `{ name: "varchar", mods: [20], isArray: true }`. */
export function parseFormatType(type: string): ColumnType {
  let t = type.trim();
  const isArray = t.endsWith("[]");
  if (isArray) t = t.slice(0, -2);
  let mods: number[] = [];
  // `timestamp(3) with time zone` keeps its modifier in the middle.
  const m = /^([^(]*)\(([\d,\s]+)\)(.*)$/.exec(t);
  if (m) {
    mods = m[2].split(",").map((x) => Number(x.trim()));
    t = `${m[1].trim()}${m[3]}`.trim();
  }
  return { name: NAMES[t] ?? t, mods, isArray };
}

const INT_WIDTH: Record<string, number> = { int2: 2, int4: 4, int8: 8 };

/** What `ALTER COLUMN … TYPE to` costs on a column of type `from`. */
export function typeChangeCost(from: string, to: string): "none" | "rewrite" | "narrowing" {
  const a = parseFormatType(from);
  const b = parseFormatType(to);
  if (binaryCoercible(a, b)) return "none";
  if (a.isArray !== b.isArray) return "narrowing";
  if (a.name === b.name) {
    // Fewer characters or digits than before: values that fit before may not fit after.
    if (b.mods.length > 0 && (a.mods.length === 0 || b.mods[0] < a.mods[0] || (b.mods[1] ?? 0) < (a.mods[1] ?? 0))) {
      return "narrowing";
    }
    return "rewrite";
  }
  if (a.name in INT_WIDTH && b.name in INT_WIDTH) {
    return INT_WIDTH[b.name] > INT_WIDTH[a.name] ? "rewrite" : "narrowing";
  }
  if ((a.name in INT_WIDTH && ["numeric", "float8"].includes(b.name)) || (a.name === "float4" && b.name === "float8")) {
    return "rewrite";
  }
  if (a.name === "timestamp" && b.name === "timestamptz") return "rewrite";
  if (b.name === "text" || (b.name === "varchar" && b.mods.length === 0)) return "rewrite";
  return "narrowing";
}
