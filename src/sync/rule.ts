/**
 * The shapes shared by rules, strategies and the PII check: a rule (a strategy, or rules for
 * the parts of an array, composite, json or hstore value) and the type of a column down to
 * its elements and fields. Types and constants only, so every sync module can import them.
 *
 * @module
 */

/** Every strategy name. */
export const STRATEGY_NAMES = [
  "email",
  "name",
  "phone",
  "address",
  "hash",
  "mask",
  "redact",
  "null",
  "fixed",
  "date_shift",
  "ip",
  "credit_card",
  "uuid",
  "faker",
  "keep",
] as const;

/** A strategy name. */
export type StrategyName = typeof STRATEGY_NAMES[number];

/**
 * One masking rule for one column: a strategy and its options, or (`strategy: "nested"`)
 * rules for the parts of the value.
 */
export interface Rule {
  strategy: StrategyName | "nested";
  options: Record<string, unknown>;
  /** Where the rule came from, for messages (`db/anonymization.yaml:7`, `--anonymize`). */
  origin: string;
  /** Set exactly when `strategy` is `"nested"`. */
  nested?: NestedRule;
}

/** One step of a JSON path: a key, any key, an index, any index, or any depth (`..`). */
export type JsonStep =
  | { key: string }
  | { anyKey: true }
  | { index: number }
  | { anyIndex: true }
  | { descend: true };

/** Rules for the parts of a value. */
export type NestedRule =
  /** `each: true`: the rest of the rule applies to every element of an array. */
  | { each: Rule }
  /** `fields:` rules for fields of a composite value, by field name. */
  | { fields: Map<string, Rule> }
  /** `json:` rules by JSON path; the first path matching a leaf (or one of its parents) masks it. */
  | { json: { path: string; steps: JsonStep[]; rule: Rule }[] }
  /** `hstore:` rules by key; `"*"` covers every key. */
  | { hstore: Map<string, Rule> };

/** How a column's type constrains what a strategy may write. */
export type ColumnCategory = "text" | "date" | "timestamp" | "timestamptz" | "inet" | "cidr" | "uuid" | "other";

/** The structure of a type that holds other values (domains resolved to their base). */
export type TypeShape =
  | { kind: "scalar"; type: string; category: ColumnCategory; maxLength?: number }
  | { kind: "array"; type: string; element: TypeShape }
  | { kind: "composite"; type: string; fields: { name: string; shape: TypeShape }[] }
  | { kind: "json"; type: "json" | "jsonb" }
  | { kind: "hstore"; type: string };

/** The facts about a target column a strategy needs. */
export interface MaskedColumn {
  /** `schema.table.column`, for messages. */
  qualified: string;
  /** `format_type()` of the column, e.g. `character varying(40)`. */
  type: string;
  category: ColumnCategory;
  /** Character limit of varchar(n)/char(n). */
  maxLength?: number;
  notNull: boolean;
  /** Part of a unique index or constraint. */
  unique: boolean;
  /** Set for arrays, composites, json/jsonb and hstore (and domains over them). */
  shape?: TypeShape;
}

/**
 * One step into a value: an array element, a composite field, a JSON key or index (`[*]`
 * for any index), or an hstore key.
 */
export type ValuePart = { each: true } | { field: string } | { json: string | number | "[*]" } | { key: string };

/** Values sampled at one position inside json/jsonb or hstore values of a column. */
export interface SampledLeaf {
  /** The path from the column to the position. */
  parts: ValuePart[];
  /** Up to a few non-empty values seen there. */
  values: string[];
}
