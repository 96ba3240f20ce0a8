/**
 * Read the facts the planner needs beyond the check-schema snapshot: function definitions,
 * view output columns and what each view reads, domain constraint names, and which columns each
 * index, constraint, policy and trigger depends on.
 *
 * @module
 */
import type { Queryable, Session } from "../db/database.ts";
import { readQualified } from "../catalog/snapshot.ts";
import type { CatalogSnapshot } from "../catalog/types.ts";
import type { DependentKind, ObjectColumns, PlanFacts, PlanInput } from "./types.ts";

/**
 * Read the planner's facts for the objects of `catalog` (a snapshot of the same database), with
 * names schema-qualified as in the snapshot (see `readQualified`).
 *
 * @example
 * ```ts
 * import { readPlanFacts } from "./facts.ts";
 * import type { PlanFacts } from "./types.ts";
 * import { snapshotCatalog } from "../catalog/snapshot.ts";
 * import type { Database } from "../db/database.ts";
 * declare const db: Database;
 *
 * const input = { catalog: await snapshotCatalog(db), facts: {} as PlanFacts };
 * input.facts = await readPlanFacts(db, input.catalog);
 * ```
 */
export function readPlanFacts(db: Session, catalog: CatalogSnapshot): Promise<PlanFacts> {
  return readQualified(db, (q) => readFacts(q, catalog));
}

async function readFacts(db: Queryable, catalog: CatalogSnapshot): Promise<PlanFacts> {
  const facts = emptyPlanFacts();
  if (catalog.schemas.length === 0) return facts;
  const params = [
    `{${catalog.schemas.map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`,
  ];
  const fns = await db.query<{ key: string; def: string }>(
    `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
            pg_get_functiondef(p.oid) AS def
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'w')`,
    params,
  );
  for (const r of fns) if (r.key in catalog.functions) facts.functionDefs[r.key] = r.def.trim();

  const defs = await db.query<{ view: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS view, pg_get_viewdef(c.oid, true) AS def
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('v', 'm')`,
    params,
  );
  for (const r of defs) if (r.view in catalog.views) facts.viewDefs[r.view] = r.def.trim().replace(/;$/, "");

  const cols = await db.query<{ view: string; col: string }>(
    `SELECT n.nspname || '.' || c.relname AS view, quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) AS col
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, a.attnum`,
    params,
  );
  for (const r of cols) if (r.view in catalog.views) (facts.viewColumns[r.view] ??= []).push(r.col);

  // A view's rewrite rule depends on every relation and column its query reads.
  const deps = await db.query<{ view: string; ref: string; col: string | null }>(
    `SELECT DISTINCT vn.nspname || '.' || v.relname AS view, rn.nspname || '.' || r.relname AS ref,
            CASE WHEN d.refobjsubid > 0 THEN a.attname END AS col
       FROM pg_depend d
       JOIN pg_rewrite w ON w.oid = d.objid
       JOIN pg_class v ON v.oid = w.ev_class
       JOIN pg_namespace vn ON vn.oid = v.relnamespace
       JOIN pg_class r ON r.oid = d.refobjid
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND r.oid <> v.oid AND vn.nspname = ANY($1::text[])`,
    params,
  );
  for (const r of deps) {
    if (!(r.view in catalog.views)) continue;
    const list = facts.viewDeps[r.view] ??= [];
    if (!list.includes(r.ref)) list.push(r.ref);
    if (r.col !== null) (facts.viewColumnDeps[r.view] ??= []).push(`${r.ref}.${r.col}`);
  }
  for (const list of Object.values(facts.viewDeps)) list.sort();
  for (const list of Object.values(facts.viewColumnDeps)) list.sort();

  const checks = await db.query<{ domain: string; name: string }>(
    `SELECT n.nspname || '.' || t.typname AS domain, k.conname AS name
       FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE k.contype = 'c' AND n.nspname = ANY($1::text[])
      ORDER BY 1, k.conname`,
    params,
  );
  for (const r of checks) if (r.domain in catalog.domains) (facts.domainCheckNames[r.domain] ??= []).push(r.name);
  await readObjectColumns(db, params, catalog, facts.objectColumns!);
  return facts;
}

// PostgreSQL records, for each index (its columns, expressions and predicate), constraint (its
// columns and those it references), policy (USING / WITH CHECK), trigger (UPDATE OF, WHEN) and
// generated column (its expression), a dependency on every column it uses: the ones that stop
// ALTER TYPE and DROP COLUMN.
async function readObjectColumns(
  db: Queryable,
  params: unknown[],
  catalog: CatalogSnapshot,
  out: ObjectColumns,
): Promise<void> {
  const owners = (kind: string, catalogName: string, owner: string, name: string, from: string) =>
    `SELECT '${kind}' AS kind, d.objid, ${owner} AS owner, ${name} AS name
       FROM pg_depend d ${from}
      WHERE d.classid = '${catalogName}'::regclass`;
  const rows = await db.query<{ kind: DependentKind; owner: string; name: string; col: string }>(
    `SELECT DISTINCT o.kind, on_.nspname || '.' || oc.relname AS owner, o.name,
            rn.nspname || '.' || r.relname || '.' || a.attname AS col
       FROM (${
      owners(
        "index",
        "pg_class",
        "i.indrelid",
        "ic.relname",
        "JOIN pg_index i ON i.indexrelid = d.objid JOIN pg_class ic ON ic.oid = i.indexrelid",
      )
    }
             UNION ALL ${
      owners("constraint", "pg_constraint", "k.conrelid", "k.conname", "JOIN pg_constraint k ON k.oid = d.objid")
    }
             UNION ALL ${
      owners("policy", "pg_policy", "p.polrelid", "p.polname", "JOIN pg_policy p ON p.oid = d.objid")
    }
             UNION ALL ${
      owners("trigger", "pg_trigger", "t.tgrelid", "t.tgname", "JOIN pg_trigger t ON t.oid = d.objid")
    }
             UNION ALL ${
      owners(
        "generated",
        "pg_attrdef",
        "ad.adrelid",
        "ga.attname",
        "JOIN pg_attrdef ad ON ad.oid = d.objid " +
          "JOIN pg_attribute ga ON ga.attrelid = ad.adrelid AND ga.attnum = ad.adnum AND ga.attgenerated <> ''",
      )
    }
            ) o
       JOIN pg_depend d ON d.objid = o.objid
       JOIN pg_class oc ON oc.oid = o.owner
       JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
       JOIN pg_class r ON r.oid = d.refobjid
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND on_.nspname = ANY($1::text[])
      ORDER BY 1, 2, 3, 4`,
    params,
  );
  for (const r of rows) {
    const key = `${r.owner}.${r.name}`;
    // A generated column's expression depends on the column itself too.
    if (r.owner in catalog.tables && r.col !== key) (out[r.kind][key] ??= []).push(r.col);
  }
}

/** An empty input, for tests and for a database with nothing in it. */
export function emptyPlanInput(): PlanInput {
  return {
    catalog: {
      schemas: ["public"],
      extensions: [],
      tables: {},
      views: {},
      functions: {},
      sequences: {},
      enums: {},
      domains: {},
      privileges: {},
    },
    facts: emptyPlanFacts(),
  };
}

/** Facts of a database that has none of the objects they are about. */
function emptyPlanFacts(): PlanFacts {
  return {
    functionDefs: {},
    viewDefs: {},
    viewColumns: {},
    viewDeps: {},
    viewColumnDeps: {},
    domainCheckNames: {},
    objectColumns: { index: {}, constraint: {}, policy: {}, trigger: {}, generated: {} },
  };
}
