/**
 * The extensions embedded PGlite can load: the contrib modules its package ships, each a
 * bundle unpacked into the WASM file system at start. Loading one costs start time, so an
 * instance gets only the ones a schema names.
 *
 * @module
 */
import type { Extension } from "@electric-sql/pglite";
import { SchemaError } from "../errors.ts";

/**
 * Extension name (as in `CREATE EXTENSION`) → the `@electric-sql/pglite/contrib/<module>`
 * export, and the extensions it requires (loaded with it, for `CASCADE`).
 */
const CONTRIB: Readonly<Record<string, { module: string; requires?: readonly string[] }>> = {
  amcheck: { module: "amcheck" },
  auto_explain: { module: "auto_explain" },
  bloom: { module: "bloom" },
  btree_gin: { module: "btree_gin" },
  btree_gist: { module: "btree_gist" },
  citext: { module: "citext" },
  cube: { module: "cube" },
  dict_int: { module: "dict_int" },
  dict_xsyn: { module: "dict_xsyn" },
  earthdistance: { module: "earthdistance", requires: ["cube"] },
  file_fdw: { module: "file_fdw" },
  fuzzystrmatch: { module: "fuzzystrmatch" },
  hstore: { module: "hstore" },
  intarray: { module: "intarray" },
  isn: { module: "isn" },
  lo: { module: "lo" },
  ltree: { module: "ltree" },
  // The `spi` bundle holds autoinc, insert_username, moddatetime and refint.
  moddatetime: { module: "moddatetime" },
  autoinc: { module: "moddatetime" },
  insert_username: { module: "moddatetime" },
  refint: { module: "moddatetime" },
  pageinspect: { module: "pageinspect" },
  pg_buffercache: { module: "pg_buffercache" },
  pg_freespacemap: { module: "pg_freespacemap" },
  pg_stat_statements: { module: "pg_stat_statements" },
  pg_surgery: { module: "pg_surgery" },
  pg_trgm: { module: "pg_trgm" },
  pg_visibility: { module: "pg_visibility" },
  pg_walinspect: { module: "pg_walinspect" },
  pgcrypto: { module: "pgcrypto" },
  seg: { module: "seg" },
  tablefunc: { module: "tablefunc" },
  tcn: { module: "tcn" },
  tsm_system_rows: { module: "tsm_system_rows" },
  tsm_system_time: { module: "tsm_system_time" },
  unaccent: { module: "unaccent" },
  "uuid-ossp": { module: "uuid_ossp" },
};

// Static imports, so `deno compile` and the type checker see every bundle.
const LOADERS: Readonly<Record<string, () => Promise<Extension>>> = {
  amcheck: async () => (await import("@electric-sql/pglite/contrib/amcheck")).amcheck,
  auto_explain: async () => (await import("@electric-sql/pglite/contrib/auto_explain")).auto_explain,
  bloom: async () => (await import("@electric-sql/pglite/contrib/bloom")).bloom,
  btree_gin: async () => (await import("@electric-sql/pglite/contrib/btree_gin")).btree_gin,
  btree_gist: async () => (await import("@electric-sql/pglite/contrib/btree_gist")).btree_gist,
  citext: async () => (await import("@electric-sql/pglite/contrib/citext")).citext,
  cube: async () => (await import("@electric-sql/pglite/contrib/cube")).cube,
  dict_int: async () => (await import("@electric-sql/pglite/contrib/dict_int")).dict_int,
  dict_xsyn: async () => (await import("@electric-sql/pglite/contrib/dict_xsyn")).dict_xsyn,
  earthdistance: async () => (await import("@electric-sql/pglite/contrib/earthdistance")).earthdistance,
  file_fdw: async () => (await import("@electric-sql/pglite/contrib/file_fdw")).file_fdw,
  fuzzystrmatch: async () => (await import("@electric-sql/pglite/contrib/fuzzystrmatch")).fuzzystrmatch,
  hstore: async () => (await import("@electric-sql/pglite/contrib/hstore")).hstore,
  intarray: async () => (await import("@electric-sql/pglite/contrib/intarray")).intarray,
  isn: async () => (await import("@electric-sql/pglite/contrib/isn")).isn,
  lo: async () => (await import("@electric-sql/pglite/contrib/lo")).lo,
  ltree: async () => (await import("@electric-sql/pglite/contrib/ltree")).ltree,
  moddatetime: async () => (await import("@electric-sql/pglite/contrib/moddatetime")).moddatetime,
  pageinspect: async () => (await import("@electric-sql/pglite/contrib/pageinspect")).pageinspect,
  pg_buffercache: async () => (await import("@electric-sql/pglite/contrib/pg_buffercache")).pg_buffercache,
  pg_freespacemap: async () => (await import("@electric-sql/pglite/contrib/pg_freespacemap")).pg_freespacemap,
  pg_stat_statements: async () => (await import("@electric-sql/pglite/contrib/pg_stat_statements")).pg_stat_statements,
  pg_surgery: async () => (await import("@electric-sql/pglite/contrib/pg_surgery")).pg_surgery,
  pg_trgm: async () => (await import("@electric-sql/pglite/contrib/pg_trgm")).pg_trgm,
  pg_visibility: async () => (await import("@electric-sql/pglite/contrib/pg_visibility")).pg_visibility,
  pg_walinspect: async () => (await import("@electric-sql/pglite/contrib/pg_walinspect")).pg_walinspect,
  pgcrypto: async () => (await import("@electric-sql/pglite/contrib/pgcrypto")).pgcrypto,
  seg: async () => (await import("@electric-sql/pglite/contrib/seg")).seg,
  tablefunc: async () => (await import("@electric-sql/pglite/contrib/tablefunc")).tablefunc,
  tcn: async () => (await import("@electric-sql/pglite/contrib/tcn")).tcn,
  tsm_system_rows: async () => (await import("@electric-sql/pglite/contrib/tsm_system_rows")).tsm_system_rows,
  tsm_system_time: async () => (await import("@electric-sql/pglite/contrib/tsm_system_time")).tsm_system_time,
  unaccent: async () => (await import("@electric-sql/pglite/contrib/unaccent")).unaccent,
  uuid_ossp: async () => (await import("@electric-sql/pglite/contrib/uuid_ossp")).uuid_ossp,
};

/** Extensions every PostgreSQL has built in: nothing to load. */
const BUILT_IN = new Set(["plpgsql"]);

/** The extension names PGlite can load (built-ins included), sorted. */
export const PGLITE_EXTENSIONS: readonly string[] = [...Object.keys(CONTRIB), ...BUILT_IN].sort();

/** Whether PGlite can provide extension `name`. */
export function pgliteHasExtension(name: string): boolean {
  return BUILT_IN.has(name) || Object.hasOwn(CONTRIB, name);
}

/**
 * The contrib modules to load for `names`, with their requirements. An extension PGlite does
 * not ship throws SchemaError (exit 4) naming it, before anything starts.
 */
export async function loadPgliteExtensions(names: readonly string[]): Promise<Record<string, Extension>> {
  const missing = [...new Set(names)].filter((n) => !pgliteHasExtension(n));
  if (missing.length > 0) throw unavailableExtension(missing);
  const modules = new Set<string>();
  const add = (name: string) => {
    const entry = CONTRIB[name];
    if (!entry) return;
    modules.add(entry.module);
    for (const r of entry.requires ?? []) add(r);
  };
  for (const n of names) add(n);
  const loaded: Record<string, Extension> = {};
  for (const m of [...modules].sort()) {
    loaded[m] = await LOADERS[m]();
  }
  return loaded;
}

/** The error for extensions the embedded engine lacks: say which, and where they can run. */
export function unavailableExtension(names: readonly string[]): SchemaError {
  const list = names.map((n) => `"${n}"`).join(", ");
  return new SchemaError(
    `The embedded PGlite engine has no extension ${list}${names.length > 1 ? " (none of them)" : ""}`,
    {
      code: "PGLITE_EXTENSION_UNAVAILABLE",
      hint:
        "Run against a PostgreSQL server that has it: `--against postgres://…` for check-schema and verify-reversible, " +
        "or a postgres:// database_url for build --apply",
      details: { extensions: [...names], available: PGLITE_EXTENSIONS },
    },
  );
}
