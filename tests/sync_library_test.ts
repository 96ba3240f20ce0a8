/**
 * `syncEnvironments`, the sync medium's library entry, called directly (no CLI) with loaded
 * environments: a protected target and one database under two spellings (127.0.0.1 and
 * localhost) are refused before a row moves, and a plain sync copies.
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { freshServerDb, NO_SERVER, serverUrlFor } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { loadEnvironment } from "../src/config/load.ts";
import type { Database } from "../src/db/database.ts";
import { ConfigError } from "../src/errors.ts";
import { syncEnvironments } from "../src/mod.ts";

// Nothing that looks like personal data: without the guards, this sync would go through.
const SCHEMA = "CREATE TABLE tb_event (pk_event bigint PRIMARY KEY, kind text NOT NULL);";

async function kinds(db: Database): Promise<string[]> {
  return (await db.query<{ kind: string }>("SELECT kind FROM tb_event ORDER BY pk_event")).map((r) => r.kind);
}

Deno.test({
  name: "syncEnvironments refuses a protected target and one database under two spellings; the rows stay",
  ignore: NO_SERVER,
  async fn() {
    await using src = await freshServerDb("cft_synclib_src");
    await using dst = await freshServerDb("cft_synclib_dst");
    await src.db.exec(SCHEMA + "INSERT INTO tb_event SELECT g, 'source ' || g FROM generate_series(1, 3) g");
    await dst.db.exec(SCHEMA + "INSERT INTO tb_event VALUES (1, 'target')");
    const prod = serverUrlFor(src.name);
    assert(prod.includes("@127.0.0.1:"), prod);
    await using p = await tempProject({
      "db/environments/prod.yaml": `database_url: "${prod}"\n`,
      "db/environments/prod_again.yaml": `database_url: "${prod.replace("@127.0.0.1:", "@localhost:")}"\n`,
      "db/environments/staging.yaml": `database_url: "${dst.url}"\nprotected: true\n`,
      "db/environments/local.yaml": `database_url: "${dst.url}"\n`,
    });
    const load = (env: string) => loadEnvironment({ projectDir: p.dir, env, getEnv: () => undefined });

    const protectedErr = await syncEnvironments(await load("prod"), await load("staging")).catch((e) => e);
    assert(protectedErr instanceof ConfigError && protectedErr.code === "SYNC_PROTECTED_TARGET", String(protectedErr));
    assertEquals(await kinds(dst.db), ["target"]);

    const sameErr = await syncEnvironments(await load("prod"), await load("prod_again")).catch((e) => e);
    assert(sameErr instanceof ConfigError && sameErr.code === "SAME_DATABASE", String(sameErr));
    assertEquals(await kinds(src.db), ["source 1", "source 2", "source 3"]);

    const report = await syncEnvironments(await load("prod"), await load("local"));
    assertEquals(report.total_rows, 3);
    assertEquals(await kinds(dst.db), ["source 1", "source 2", "source 3"]);
  },
});
