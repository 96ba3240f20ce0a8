/**
 * The shape of a catalog snapshot: plain JSON, keyed by qualified names.
 *
 * @module
 */

/** One column of a table, view-independent. */
export interface ColumnSnapshot {
  /** 1-based position among live columns (dropped columns do not count). */
  position: number;
  /** `format_type` output, e.g. `character varying(255)`, `timestamp with time zone`. */
  type: string;
  nullable: boolean;
  /** `pg_get_expr` of the default; null when none. For generated columns: null. */
  default: string | null;
  /** `always` / `by default` for identity columns, null otherwise. */
  identity: "always" | "by default" | null;
  /** The identity sequence's options (`START 1 INCREMENT 1 MINVALUE 1 MAXVALUE … CACHE 1`), null otherwise. */
  identityOptions: string | null;
  /** The generation expression of a generated column (`stored` or `virtual`), null otherwise. */
  generated: { kind: "stored" | "virtual"; expression: string } | null;
  /** Collation when it differs from the type's default, else null. */
  collation: string | null;
  /** `COMMENT ON COLUMN`, else null. */
  comment: string | null;
}

/** A table or partitioned table with what hangs off it. */
export interface TableSnapshot {
  kind: "table" | "partitioned table";
  columns: Record<string, ColumnSnapshot>;
  /** Keyed by constraint name; NOT NULL markers are column facts, not listed here. */
  constraints: Record<string, { type: string; definition: string }>;
  /** Keyed by index name; indexes that back a primary key, unique or exclusion constraint are left to the constraint. */
  indexes: Record<string, { definition: string }>;
  /** Keyed by trigger name; internal (constraint) triggers excluded. */
  triggers: Record<string, { definition: string; enabled: string }>;
  rowSecurity: boolean;
  /** `pg_get_partkeydef` of a partitioned table (`RANGE (created)`), else null. */
  partitionKey: string | null;
  /** For a partition: its parent (`schema.table`) and bound (`FOR VALUES FROM … TO …`), else null. */
  partitionOf: { parent: string; bound: string } | null;
  /** Row-level security policies, keyed by name. */
  policies: Record<string, PolicySnapshot>;
  /** `COMMENT ON TABLE`, else null. */
  comment: string | null;
}

/** A row-level security policy. */
export interface PolicySnapshot {
  command: "all" | "select" | "insert" | "update" | "delete";
  permissive: boolean;
  /** Role names, sorted; `public` for everyone. */
  roles: string[];
  using: string | null;
  check: string | null;
}

/** A view or materialized view. */
export interface ViewSnapshot {
  kind: "view" | "materialized view";
  /** `pg_get_viewdef(oid, true)` with runs of whitespace collapsed. */
  definition: string;
  /** Materialized views can carry indexes. */
  indexes: Record<string, { definition: string }>;
  /** `COMMENT ON VIEW`, else null. */
  comment: string | null;
}

/** A function or procedure, keyed by `schema.name(identity arguments)`. */
export interface FunctionSnapshot {
  kind: "function" | "procedure" | "aggregate" | "window";
  returns: string | null;
  language: string;
  volatility: "immutable" | "stable" | "volatile";
  strict: boolean;
  securityDefiner: boolean;
  /** The body as written (trimmed), or the deparsed SQL-standard body. */
  body: string;
}

/** A sequence that is not the hidden sequence of an identity column. */
export interface SequenceSnapshot {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `table.column` when the sequence is OWNED BY a column (serial), else null. */
  ownedBy: string | null;
}

/** Everything Confiture compares between two databases. Plain JSON: safe to store or print. */
export interface CatalogSnapshot {
  schemas: string[];
  extensions: string[];
  /** Keyed by `schema.table`. */
  tables: Record<string, TableSnapshot>;
  /** Keyed by `schema.view`. */
  views: Record<string, ViewSnapshot>;
  /** Keyed by `schema.name(args)`. */
  functions: Record<string, FunctionSnapshot>;
  /** Keyed by `schema.sequence`. */
  sequences: Record<string, SequenceSnapshot>;
  /** Keyed by `schema.type`; labels in sort order. */
  enums: Record<string, string[]>;
  /** Keyed by `schema.domain`. */
  domains: Record<string, { type: string; nullable: boolean; default: string | null; checks: string[] }>;
  /**
   * Privileges GRANTed or REVOKEd on an object, where they differ from PostgreSQL's defaults:
   * keyed by `kind name` (`table public.film`, `view s.v`, `materialized view s.mv`, `sequence
   * s.seq`, `column public.film.title`, `function public.f(integer)`, `procedure …`, `schema s`),
   * each a sorted list of `PRIVILEGE TO grantee [WITH GRANT OPTION]` (grantee quoted, or
   * `PUBLIC`). The owner's own privileges are not listed.
   */
  privileges: Record<string, string[]>;
}
