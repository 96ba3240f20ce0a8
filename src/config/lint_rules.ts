/**
 * The lint rules: id, default severity, and the reasoning shown with every finding. Kept as
 * data so `lint --list-rules`, the config validator and the README all read one table.
 *
 * @module
 */

/** How bad a finding is: errors stop `migrate up` unless allowed; warnings never do. */
export type Severity = "error" | "warning";

/** A rule's fixed description. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  /** Lock rules scale with the table's live size when a database is connected. */
  sizeAware: boolean;
  /** Neither an allow nor `lint.rules` can change it. */
  fixed?: boolean;
  summary: string;
  why: string;
  fix: string;
}

const rules = [
  {
    id: "create-index-non-concurrent",
    severity: "error",
    sizeAware: true,
    summary: "CREATE INDEX without CONCURRENTLY on an existing table",
    why: "CREATE INDEX takes a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on the table waits.",
    fix: "Use CREATE INDEX CONCURRENTLY, in a migration of its own: Confiture runs a file containing it outside a " +
      "transaction, statement by statement. If it fails, drop the INVALID index it leaves before retrying.",
  },
  {
    id: "add-column-volatile-default",
    severity: "error",
    sizeAware: true,
    summary: "ADD COLUMN that rewrites the table (volatile default, serial, identity, stored generated)",
    why: "A volatile default (random(), clock_timestamp(), nextval()…), a serial or identity column, or a stored " +
      "generated column makes PostgreSQL rewrite every row under an ACCESS EXCLUSIVE lock; reads and writes stop.",
    fix: "Add the column without a default (or with a constant one), backfill in batches, then SET DEFAULT.",
  },
  {
    id: "alter-column-type-rewrite",
    severity: "error",
    sizeAware: true,
    summary: "ALTER COLUMN … TYPE that is not binary-coercible",
    why: "Changing to a type that is not binary-coercible rewrites the table and rebuilds its indexes under an " +
      "ACCESS EXCLUSIVE lock.",
    fix: "Add a new column of the new type, backfill it in batches, switch readers and writers, then drop the old " +
      "column. Widening varchar(n) or numeric(p,s), or varchar → text, is safe.",
  },
  {
    id: "set-not-null-scan",
    severity: "error",
    sizeAware: true,
    summary: "SET NOT NULL without a validated CHECK (col IS NOT NULL)",
    why: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock to prove there is no NULL.",
    fix: "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c in a later migration; then " +
      "SET NOT NULL (PostgreSQL 12+ skips the scan) and DROP CONSTRAINT c.",
  },
  {
    id: "constraint-without-not-valid",
    severity: "error",
    sizeAware: true,
    summary: "ADD CONSTRAINT FOREIGN KEY / CHECK validated while holding the table lock",
    why: "Adding a FOREIGN KEY or CHECK constraint checks every row while holding a lock that blocks writes " +
      "(ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a FOREIGN KEY). A VALIDATE in the same " +
      "transaction (the same migration, unless it runs statement by statement) still holds that lock.",
    fix: "ADD CONSTRAINT … NOT VALID in one migration, then ALTER TABLE … VALIDATE CONSTRAINT … in a later one " +
      "(it takes only a SHARE UPDATE EXCLUSIVE lock).",
  },
  {
    id: "add-unique-constraint",
    severity: "error",
    sizeAware: true,
    summary: "ADD PRIMARY KEY / UNIQUE / EXCLUDE that builds its index under the lock",
    why: "The constraint's index is built while the table is locked against writes for the whole build.",
    fix: "CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ADD CONSTRAINT … UNIQUE USING INDEX " +
      "(or PRIMARY KEY USING INDEX) in the next one.",
  },
  {
    id: "rename-breaks-code",
    severity: "error",
    sizeAware: false,
    summary: "RENAME of a table or column",
    why: "Application code still running the old release uses the old name and fails as soon as this commits.",
    fix: "Expand/contract: add the new column or a view with the new name, deploy code that uses both, backfill, " +
      "then remove the old name in a later release.",
  },
  {
    id: "drop-breaks-code",
    severity: "error",
    sizeAware: false,
    summary: "DROP of a table or column in an up migration",
    why: "Running code that still reads or writes it fails, and the data is gone: the down migration cannot " +
      "bring it back.",
    fix: "Stop using it in a release first; drop it in a later migration, and allow the finding with a reason.",
  },
  {
    id: "missing-lock-timeout",
    severity: "error",
    sizeAware: false,
    summary: "ACCESS EXCLUSIVE lock with no lock_timeout",
    why: "A statement waiting for an ACCESS EXCLUSIVE lock queues every later query on the table behind it, so " +
      "one long transaction turns into an outage. Confiture's runner sets lock_timeout per migration " +
      "(migration.statement_lock_timeout, default 5s); this fires only when that, or the file's " +
      "`-- confiture:lock_timeout` directive, is 0 and the file sets none itself.",
    fix: "Put `-- confiture:lock_timeout 5s` at the top of the migration (or SET lock_timeout before the statement), " +
      "or set migration.statement_lock_timeout.",
  },
  {
    id: "releases-migration-lock",
    severity: "error",
    sizeAware: false,
    fixed: true,
    summary: "DISCARD ALL, pg_advisory_unlock_all() or pg_advisory_unlock() of Confiture's lock in a migration",
    why: "migrate up holds a session-level advisory lock on the session that runs the migrations; releasing it " +
      "lets a second deployer start while this one is still applying, and both apply the same migrations. No " +
      "allow or configuration turns this off.",
    fix: "Remove the statement. Release your own advisory locks by their own keys, or use " +
      "pg_advisory_xact_lock, which ends with the transaction.",
  },
  {
    id: "missing-down",
    severity: "warning",
    sizeAware: false,
    summary: ".up.sql without a .down.sql",
    why: "Without a down migration, `migrate down` stops with exit 8 and the change cannot be rolled back.",
    fix: "Write the matching .down.sql that undoes every change of the up file.",
  },
  {
    id: "down-incomplete",
    // About rollbacks, never a reason to stop an up; `lint.rules` can make it an error for CI.
    severity: "warning",
    sizeAware: false,
    summary: "The down migration leaves objects the up migration created",
    why: 'After `migrate down` the object is still there, so the next `migrate up` fails with "already exists" ' +
      "and the schema no longer matches the version recorded.",
    fix: "Drop the object in the .down.sql (in reverse order of creation).",
  },
  {
    id: "invalid-allow",
    severity: "warning",
    sizeAware: false,
    summary: "A `-- confiture:allow` comment that cannot be used",
    why: "An allow comment must name a known rule and give a reason, which is stored with the migration.",
    fix: "Write `-- confiture:allow RULE reason` on the line before the statement.",
  },
] as const satisfies readonly RuleInfo[];

/** A lint rule id. */
export type RuleId = typeof rules[number]["id"];

/** Every rule, in the order they are documented. */
export const RULES: readonly RuleInfo[] = rules;

const byId = new Map<string, RuleInfo>(rules.map((r) => [r.id, r]));

/** The rule with this id, or undefined. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

/** Whether `id` names a rule. */
export function isRuleId(id: string): id is RuleId {
  return byId.has(id);
}
