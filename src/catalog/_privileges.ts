/**
 * Snapshot reader for privileges (GRANT / REVOKE): who may do what on each schema, table, view,
 * sequence, column and routine the snapshot holds. Module-private to `snapshot.ts`.
 *
 * Each object's privileges are a sorted list of `PRIVILEGE TO grantee [WITH GRANT OPTION]`
 * (the grantee quoted, or `PUBLIC`), keyed by `kind name` (`table public.film`, `column
 * public.film.title`, `function public.f(integer)`, `schema rental_ops`). The owner's own
 * privileges are left out (they follow ownership, which differs between engines and is not
 * compared), and so is an object whose privileges are PostgreSQL's defaults: only GRANTs and
 * REVOKEs someone wrote are listed. `MAINTAIN` (PostgreSQL 17+) is left out too: `GRANT ALL`
 * includes it on PGlite 18 and not on a PostgreSQL 15 server, which would be a false difference.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import type { CatalogSnapshot } from "./types.ts";

const RELATION_KINDS: Record<string, string> = {
  r: "table",
  p: "table",
  v: "view",
  m: "materialized view",
  S: "sequence",
};
const ROUTINE_KINDS: Record<string, string> = { f: "function", p: "procedure", a: "aggregate", w: "window" };

/** Fill `snap.privileges` for the objects already in `snap`. */
export async function readPrivileges(db: Queryable, params: unknown[], snap: CatalogSnapshot): Promise<void> {
  // acldefault fills in a NULL ACL (never granted nor revoked); aclexplode lists one row per privilege.
  const item = `(SELECT coalesce(array_agg(e.privilege_type || ' TO ' ||
                  CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(e.grantee)) END ||
                  CASE WHEN e.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END ORDER BY 1), '{}')
                  FROM aclexplode(%ACL%) e WHERE e.grantee <> %OWNER% AND e.privilege_type <> 'MAINTAIN')`;
  const list = (acl: string, owner: string) => item.replace("%ACL%", acl).replaceAll("%OWNER%", owner);
  const rows = await db.query<{ kind: string; name: string; acl: string[] }>(
    `SELECT 'relation:' || c.relkind::text AS kind, n.nspname || '.' || c.relname AS name,
            ${list("c.relacl", "c.relowner")} AS acl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r','p','v','m','S') AND c.relacl IS NOT NULL
     UNION ALL
     SELECT 'column', n.nspname || '.' || c.relname || '.' || a.attname, ${list("a.attacl", "c.relowner")}
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
     UNION ALL
     SELECT 'routine:' || p.prokind::text,
            n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
            ${list("p.proacl", "p.proowner")}
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1::text[]) AND p.proacl IS NOT NULL
     UNION ALL
     SELECT 'schema', n.nspname, ${list("n.nspacl", "n.nspowner")}
       FROM pg_namespace n WHERE n.nspname = ANY($1::text[]) AND n.nspacl IS NOT NULL
      ORDER BY 1, 2`,
    params,
  );
  for (const r of rows) {
    const [group, code] = r.kind.split(":");
    let kind: string | undefined;
    if (group === "relation") kind = RELATION_KINDS[code];
    else if (group === "routine") kind = ROUTINE_KINDS[code];
    else kind = group;
    if (!kind || !known(snap, kind, r.name)) continue;
    const acl = [...r.acl].sort();
    // What PostgreSQL grants by itself: EXECUTE on routines to PUBLIC, nothing on the rest.
    const byDefault = group === "routine" ? ["EXECUTE TO PUBLIC"] : [];
    if (acl.join("\n") !== byDefault.join("\n")) snap.privileges[`${kind} ${r.name}`] = acl;
  }
}

// Only objects the snapshot compares: Confiture's own tables and extension members stay out.
function known(snap: CatalogSnapshot, kind: string, name: string): boolean {
  switch (kind) {
    case "table":
      return name in snap.tables;
    case "view":
    case "materialized view":
      return name in snap.views;
    case "sequence":
      return name in snap.sequences;
    case "column": {
      const dot = name.lastIndexOf(".");
      return name.slice(dot + 1) in (snap.tables[name.slice(0, dot)]?.columns ?? {});
    }
    case "schema":
      return snap.schemas.includes(name);
    default:
      return name in snap.functions;
  }
}
