/**
 * A raw `pg_dump -s` file (and a Rails `structure.sql`) committed as migration 001, the way teams
 * adopting Confiture start: unmodified, with pg_dump 17.6's `\restrict`/`\unrestrict` lines
 * (CVE-2025-8714) and its `SET lock_timeout = 0`. `migrate up` on an empty database passes the
 * lint gate without a finding and applies, on the server and on PGlite, to the same schema as
 * `psql -f` of the same file; the tracking row holds the checksum of the file as committed.
 */
import { assert, assertEquals, assertNotIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { openDatabase } from "../src/db/open.ts";
import { diffCatalogs, formatCatalogDiff } from "../src/catalog/diff.ts";
import { snapshotCatalog } from "../src/catalog/snapshot.ts";
import { migrationChecksum } from "../src/migrate/checksum.ts";
import { extensionsCreatedBy } from "../src/sql/extensions.ts";

const FIXTURES = new URL("./fixtures/pg_dump/", import.meta.url);
const KEY = "hT3vQm8ZkP2aLw9sXc4dRf7gYb1nJe6uVo5iKq0tMz3yWp8rAs2lDx7cBn4vFg9h";

/**
 * `dump` with the `\restrict`/`\unrestrict` pair pg_dump 17.6 writes (after the opening banner,
 * after the closing one), unless it has them already. Rails appends its own lines after the dump.
 */
function withRestrict(dump: string): string {
  if (/^\\restrict /m.test(dump)) return dump;
  const open = "--\n-- PostgreSQL database dump\n--\n\n";
  const close = "--\n-- PostgreSQL database dump complete\n--\n\n";
  assert(dump.startsWith(open) && dump.includes(close), "the fixture has pg_dump's banners");
  return dump.replace(open, `${open}\\restrict ${KEY}\n\n`).replace(close, `${close}\\unrestrict ${KEY}\n\n`);
}

const DUMPS = {
  "pagila-shaped pg_dump -s": withRestrict(await Deno.readTextFile(new URL("pagila_shaped.sql", FIXTURES))),
  "Rails structure.sql": withRestrict(await Deno.readTextFile(new URL("rails_structure.sql", FIXTURES))),
};

for (const dump of Object.values(DUMPS)) {
  assert(/^SET lock_timeout = 0;$/m.test(dump) && /^\\unrestrict /m.test(dump), "committed as pg_dump writes it");
}

/** A project whose migration 001 is `dump`, byte for byte. */
function project(dump: string, url: string) {
  return tempProject({
    "db/migrations/001_init.up.sql": dump,
    "db/environments/local.yaml": `name: local\ndatabase_url: ${url}\nmigrations_dir: db/migrations\n`,
  });
}

/** `migrate up`: exit 0, 001 applied, and the lint gate had nothing to say about it. */
async function migrateUp(dir: string): Promise<void> {
  const up = await runCli(["migrate", "up", "--format", "json"], { cwd: dir });
  assertEquals(up.code, 0, `migrate up:\n${up.stdout}\n${up.stderr}`);
  assertEquals(up.json<{ applied: string[] }>().applied, ["001"]);
  for (const noise of ["missing-lock-timeout", "syntax error", "warning", "meta-command"]) {
    assertNotIncludes(up.stderr, noise, "migrate up's story");
  }
}

async function pgDumpSchema(dbName: string): Promise<string> {
  const u = new URL(SERVER_URL!);
  const out = await new Deno.Command("pg_dump", {
    args: [
      "-s",
      "-h",
      u.hostname,
      "-p",
      u.port || "5432",
      "-U",
      u.username,
      "--exclude-table=public.tb_confiture*",
      dbName,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  // Each run draws a new \restrict key; nothing else varies between two dumps of one server.
  return new TextDecoder().decode(out.stdout).replace(/^\\(un)?restrict .*$/gm, "");
}

for (const [name, dump] of Object.entries(DUMPS)) {
  Deno.test({
    name: `[server] a ${name} committed as migration 001 applies as psql -f applies it`,
    ignore: NO_SERVER,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using migrated = await freshServerDb("dumpchain");
      await using p = await project(dump, migrated.url);
      await migrateUp(p.dir);
      const [row] = await migrated.db.query<{ checksum: string }>(
        "SELECT checksum FROM public.tb_confiture WHERE version = '001'",
      );
      assertEquals(row.checksum, migrationChecksum(await p.read("db/migrations/001_init.up.sql")));
      const status = await runCli(["migrate", "status", "--format", "json"], { cwd: p.dir });
      assertEquals(status.code, 0, status.stdout + status.stderr);

      await using reference = await freshServerDb("dumpchain_psql");
      const u = new URL(SERVER_URL!);
      const psql = await new Deno.Command("psql", {
        args: [
          "-X",
          "-q",
          "-v",
          "ON_ERROR_STOP=1",
          "-h",
          u.hostname,
          "-p",
          u.port || "5432",
          "-U",
          u.username,
          "-d",
          reference.name,
          "-f",
          `${p.dir}/db/migrations/001_init.up.sql`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(psql.code, 0, new TextDecoder().decode(psql.stderr));
      assertEquals(await pgDumpSchema(migrated.name), await pgDumpSchema(reference.name));
    },
  });

  Deno.test({
    name: `[pglite] a ${name} committed as migration 001 applies to the schema the file itself makes`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await using p = await project(dump, "pglite:./.confiture/local");
      await migrateUp(p.dir);
      await using migrated = await openDatabase({ kind: "pglite", dataDir: `${p.dir}/.confiture/local` });
      const [row] = await migrated.query<{ checksum: string }>(
        "SELECT checksum FROM public.tb_confiture WHERE version = '001'",
      );
      assertEquals(row.checksum, migrationChecksum(dump));
      // The reference: the file run as one script, with what only psql reads left out.
      await using reference = await openDatabase({ kind: "pglite", dataDir: `${p.dir}/.confiture/reference` }, {
        extensions: extensionsCreatedBy(dump),
      });
      await reference.exec(dump.replace(/^\\(un)?restrict .*$/gm, ""));
      // The dump emptied search_path for its session; both are read with the default one.
      await reference.exec("RESET ALL");
      const diffs = diffCatalogs(await snapshotCatalog(reference), await snapshotCatalog(migrated));
      assertEquals(diffs, [], formatCatalogDiff(diffs, { expected: "the file run as a script", actual: "migrate up" }));
    },
  });
}
