/**
 * The files `confiture init` writes: a working embedded `local` environment, one example table
 * declared in DDL and in a migration (so `build --apply`, `migrate up` and `migrate
 * check-schema` all succeed right away), and a seed. Kept as string constants: the CLI is
 * compiled into a single binary with no template files beside it.
 *
 * @module
 */
import { pathExists, writeText } from "../platform/fs.ts";

const LOCAL_ENVIRONMENT =
  `# The local environment: an embedded PostgreSQL (PGlite) in .confiture/local, no server needed.
# DATABASE_URL, when set, is the database (e.g. postgres://localhost:5432/myapp_local);
# otherwise the embedded one below. Write a URL here to pin this environment to it.
name: local
database_url: \${DATABASE_URL:-pglite:./.confiture/local}
include_dirs:
  - db/schema
exclude_dirs: []
migrations_dir: db/migrations
seeds_dir: db/seeds
migration:
  tracking_table: tb_confiture
`;

const EXTENSIONS = `-- Extensions and shared types come first: files are built in path order, numbers compared
-- as numbers (00_common/ before 10_tables/ before 20_views/).
-- CREATE EXTENSION IF NOT EXISTS pg_trgm;
`;

const EXAMPLE_TABLE = `CREATE TABLE tb_example (
    pk_example BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

const EXAMPLE_UP = `-- The same table as db/schema/10_tables/tb_example.sql: \`confiture migrate check-schema\`
-- proves the two stay in step.
${EXAMPLE_TABLE}`;

const EXAMPLE_DOWN = `DROP TABLE tb_example;
`;

const EXAMPLE_SEED = `-- Seeds in db/seeds/common/ run for every environment after \`confiture build --apply\`;
-- those in db/seeds/<env>/ only for that environment.
INSERT INTO tb_example (name) VALUES ('first example');
`;

const GITIGNORE = `# Embedded databases and other local state.
*
`;

/** Every file `init` writes, relative to the project root. */
export const SCAFFOLD_FILES: Readonly<Record<string, string>> = {
  "db/environments/local.yaml": LOCAL_ENVIRONMENT,
  "db/schema/00_common/extensions.sql": EXTENSIONS,
  "db/schema/10_tables/tb_example.sql": EXAMPLE_TABLE,
  "db/migrations/001_create_tb_example.up.sql": EXAMPLE_UP,
  "db/migrations/001_create_tb_example.down.sql": EXAMPLE_DOWN,
  "db/seeds/common/00_example.sql": EXAMPLE_SEED,
  "db/seeds/local/.gitkeep": "",
  ".confiture/.gitignore": GITIGNORE,
};

/** What {@link scaffoldProject} did. */
export interface ScaffoldResult {
  created: string[];
  overwritten: string[];
  /** Existing files left alone. */
  kept: string[];
}

/** Scaffold files that already exist in `dir` (relative paths). */
export async function existingScaffoldFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of Object.keys(SCAFFOLD_FILES)) if (await pathExists(`${dir}/${rel}`)) out.push(rel);
  return out;
}

/**
 * Write the scaffold into `dir`. Existing files are replaced only with `overwrite`.
 *
 * @example
 * ```ts
 * const r = await scaffoldProject("/tmp/app", { overwrite: false });
 * r.created; // ["db/environments/local.yaml", ...]
 * ```
 */
export async function scaffoldProject(dir: string, options: { overwrite: boolean }): Promise<ScaffoldResult> {
  const result: ScaffoldResult = { created: [], overwritten: [], kept: [] };
  for (const [rel, content] of Object.entries(SCAFFOLD_FILES)) {
    const exists = await pathExists(`${dir}/${rel}`);
    if (exists && !options.overwrite) {
      result.kept.push(rel);
      continue;
    }
    await writeText(`${dir}/${rel}`, content);
    (exists ? result.overwritten : result.created).push(rel);
  }
  return result;
}
