/**
 * The `Examples:` section of every `--help`: one to three real invocations per command, in one
 * table so the format is the same everywhere. `cli.ts` adds them to each command of the tree;
 * `tests/cli_help_test.ts` fails when a command has none.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";

/** One example: the command line as typed, and what it does. */
export type Example = readonly [invocation: string, comment: string];

/** Examples by command path (`""` is `confiture` itself, `"migrate up"` is `confiture migrate up`). */
export const EXAMPLES: Readonly<Record<string, readonly Example[]>> = {
  "": [
    ["confiture init", "scaffold db/ in this directory"],
    ["confiture migrate up", "apply pending migrations to the local environment"],
    ["confiture --exit-codes", "what each exit code means"],
  ],
  "migrate": [
    ["confiture migrate status", "applied and pending migrations"],
    ["confiture migrate generate add_bio_to_users", "write the next migration's two files"],
    ["confiture migrate up --env production", "apply pending migrations there"],
  ],
  "migrate status": [
    ["confiture migrate status", "the local environment"],
    ["confiture migrate status -e production --format json", "for a deploy script"],
  ],
  "migrate current": [
    ["confiture migrate current", "prints e.g. 004"],
    ["confiture migrate current -e production", "exit 2 when not initialised"],
  ],
  "migrate up": [
    ["confiture migrate up", "apply every pending migration"],
    ["confiture migrate up --dry-run", "show the SQL; change nothing"],
    ["confiture migrate up --target 004 -e production", "stop after 004"],
  ],
  "migrate down": [
    ["confiture migrate down", "roll back the last migration"],
    ["confiture migrate down --steps 2 --dry-run", "show what rolling back two would run"],
    ["confiture migrate down --target 0", "roll back everything"],
  ],
  "migrate generate": [
    ["confiture migrate generate add_bio_to_users", "NNN_add_bio_to_users.up.sql and .down.sql"],
    ["confiture migrate generate add_index --dry-run", "only print the file names"],
  ],
  "migrate baseline": [
    ["confiture migrate baseline --through 004", "the database already has 001–004"],
    ["confiture migrate baseline --through 004 --dry-run", "show what would be marked"],
  ],
  "migrate adopt": [
    ["confiture migrate adopt --dry-run", "show what another tool's history would record"],
    ["confiture migrate adopt --from dbmate -e production", "take over from dbmate"],
  ],
  "migrate reinit": [
    ["confiture migrate reinit --dry-run", "show what would change"],
    ["confiture migrate reinit --through 004 --yes", "re-mark 001–004 as applied"],
  ],
  "migrate verify": [
    ["confiture migrate verify", "applied migrations whose files changed"],
    ["confiture migrate verify --accept", "record the edited files' checksums"],
  ],
  "migrate validate": [
    ["confiture migrate validate --offline", "names, down files, SQL syntax"],
    ["confiture migrate validate -e production --format json", "checksums too"],
  ],
  "migrate schema-to-schema": [
    ["confiture migrate schema-to-schema setup --source prod --target new", "first step"],
    ["confiture migrate schema-to-schema migrate --source prod --target new", "copy the data"],
    ["confiture migrate schema-to-schema verify --source prod --target new", "compare both sides"],
  ],
  "migrate schema-to-schema setup": [
    ["confiture migrate schema-to-schema setup --source prod --target new", "postgres_fdw towards prod"],
    ["confiture migrate schema-to-schema setup --source prod --target new --schemas public,app", "two schemas"],
  ],
  "migrate schema-to-schema analyze": [
    ["confiture migrate schema-to-schema analyze --source prod --target new", "rows, size, batches"],
    ["confiture migrate schema-to-schema analyze --source prod --target new --strategy copy", "with COPY"],
  ],
  "migrate schema-to-schema migrate": [
    ["confiture migrate schema-to-schema migrate --source prod --target new", "copy every mapped table"],
    ["confiture migrate schema-to-schema migrate --source prod --target new --resume", "after an interruption"],
  ],
  "migrate schema-to-schema catch-up": [
    ["confiture migrate schema-to-schema catch-up --source prod --target new", "rows changed since the copy"],
    ["confiture migrate schema-to-schema catch-up --source prod --target new --delete", "also deletions"],
  ],
  "migrate schema-to-schema verify": [
    ["confiture migrate schema-to-schema verify --source prod --target new", "counts and checksums"],
    ["confiture migrate schema-to-schema verify --source prod --target new --tables users", "one table"],
  ],
  "migrate schema-to-schema cleanup": [
    ["confiture migrate schema-to-schema cleanup --source prod --target new", "drop the foreign server"],
  ],
  "migrate check-schema": [
    ["confiture migrate check-schema", "db/schema/ vs the migrations, on PGlite"],
    ["confiture migrate check-schema --against postgres://localhost/postgres", "on a real server"],
  ],
  "migrate verify-reversible": [
    ["confiture migrate verify-reversible", "up, down, up for each migration"],
    ["confiture migrate verify-reversible --format json", "for CI"],
  ],
  "migrate diff": [
    ["confiture migrate diff add_avatar_url", "write the migration db/schema/ needs"],
    ["confiture migrate diff add_avatar_url --dry-run", "print it; write nothing"],
    ["confiture migrate diff pending --check", "exit 1 when db/schema/ is ahead (CI)"],
  ],
  "migrate drift": [
    ["confiture migrate drift", "the local database vs its migrations"],
    ["confiture migrate drift -e production --format json", "for monitoring"],
  ],
  "init": [
    ["confiture init", "scaffold db/ in this directory"],
    ["confiture init my_project", "in a new directory"],
  ],
  "build": [
    ["confiture build", "db/schema/ into db/generated/schema_local.sql"],
    ["confiture build --check", "exit 1 when the file is stale (CI)"],
    ["confiture build --apply --fresh --yes", "recreate the local database from it"],
  ],
  "lint": [
    ["confiture lint", "every migration, offline"],
    ["confiture lint --env production", "pending ones, weighed by live table sizes"],
    ["confiture lint --changed-since origin/main --format github", "a pull request's, as annotations"],
  ],
  "sync": [
    ["confiture sync --from production --to local --dry-run", "show the plan"],
    ["confiture sync --from production --to local --tables 'tb_*'", "copy some tables, masked"],
  ],
  "sync check": [
    ["confiture sync check --from production", "PII-looking columns without a rule"],
    ["confiture sync check --format json", "the local environment, for CI"],
  ],
  "erd": [
    ["confiture erd", "the diagram on stdout"],
    ["confiture erd -o docs/schema.md", "a Markdown file GitHub draws"],
    ["confiture erd --all-columns --schema public", "every column of one schema"],
  ],
  "completions": [
    ["confiture completions bash > ~/.local/share/bash-completion/completions/confiture", "bash"],
    ['confiture completions zsh > "${fpath[1]}/_confiture"', "zsh"],
    ["confiture completions fish > ~/.config/fish/completions/confiture.fish", "fish"],
  ],
};

/** The words from the root to `cmd`, without the program name: `migrate up`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent as Command | null) names.unshift(c.name());
  return names.join(" ");
}

/** Longest command line whose comment is still aligned with the others'. */
const ALIGN_UP_TO = 56;

/** The `Examples:` block for `examples`, comments aligned unless a line is too long for it. */
export function examplesText(examples: readonly Example[]): string {
  const longest = Math.max(...examples.map(([line]) => line.length));
  const width = longest <= ALIGN_UP_TO ? longest : 0;
  const lines = examples.map(([line, comment]) => `  ${line.padEnd(width)}   # ${comment}`);
  return `\nExamples:\n${lines.join("\n")}`;
}

/** Add the `Examples:` section of `cmd`'s path to its help (nothing when the table has none). */
export function addExamples(cmd: Command): void {
  const examples = EXAMPLES[commandPath(cmd)];
  if (examples && examples.length > 0) cmd.addHelpText("after", examplesText(examples));
}
