/**
 * `SchemaToSchema`, the medium's library entry, called directly (no CLI): the phases read
 * their defaults from the target's `schema_to_schema:` section, and the object refuses one
 * database reached under two spellings before `restart` empties anything.
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { freshServerDb, NO_SERVER, serverUrlFor } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { loadEnvironment } from "../src/config/load.ts";
import { ConfigError } from "../src/errors.ts";
import { SchemaToSchema } from "../src/schema_to_schema/mod.ts";
import { freshPair, MAPPING } from "./schema_to_schema_fixture.ts";

Deno.test({
  name: "SchemaToSchema: batch size, data path and the catch-up column come from the target's settings",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    // A legacy table whose change column is not called updated_at.
    await pair.source.db.exec("ALTER TABLE users RENAME COLUMN updated_at TO changed_at");
    await using p = await tempProject({
      "db/environments/legacy.yaml": `database_url: "${pair.source.url}"\n`,
      "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n` +
        "schema_to_schema:\n  batch_size: 50\n  strategy: copy\n  since_column: changed_at\n  overlap: 5s\n",
      "db/schema_to_schema.yaml": MAPPING,
    });
    const load = (env: string) => loadEnvironment({ projectDir: p.dir, env, getEnv: () => undefined });
    await using s2s = await SchemaToSchema.open(await load("legacy"), await load("rebuilt"));

    const plan = await s2s.analyze();
    assertEquals(plan.batchSize, 50);
    assertEquals(plan.tables.map((t) => [t.strategy, t.batches]), [["copy", 5], ["copy", 3]]);

    const copied = await s2s.copy();
    assertEquals(copied.rows, 225 + 120);
    assert(copied.tables.every((t) => t.strategy === "copy" && t.batches >= 3), JSON.stringify(copied.tables));

    await pair.source.db.exec("UPDATE users SET email_address = 'new@example.test', changed_at = now() WHERE id = 7");
    const caught = await s2s.catchUp({ tables: ["tb_user"] });
    assertEquals([caught.sinceColumn, caught.deleted], ["changed_at", 0]);
    assertEquals(caught.tables.map((t) => t.rows), [1]);

    const verified = await s2s.verify();
    assertEquals(verified.matched, true, JSON.stringify(verified.tables));
    const [row] = await pair.target.db.query<{ email: string }>("SELECT email FROM tb_user WHERE pk_user = 7");
    assertEquals(row.email, "new@example.test");
  },
});

Deno.test({
  name: "SchemaToSchema refuses one database under two spellings before restart empties it; the source keeps its rows",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_s2s_lib_same");
    await db.db.exec(
      "CREATE TABLE tb_item (id int PRIMARY KEY, name text NOT NULL);" +
        "INSERT INTO tb_item SELECT g, 'item ' || g FROM generate_series(1, 5) g",
    );
    const local = serverUrlFor(db.name);
    assert(local.includes("@127.0.0.1:"), local);
    await using p = await tempProject({
      "db/environments/legacy.yaml": `database_url: "${local}"\n`,
      "db/environments/rebuilt.yaml": `database_url: "${local.replace("@127.0.0.1:", "@localhost:")}"\n`,
      "db/schema_to_schema.yaml":
        "tables:\n  tb_item:\n    source: tb_item\n    columns:\n      id: id\n      name: name\n",
    });
    const load = (env: string) => loadEnvironment({ projectDir: p.dir, env, getEnv: () => undefined });
    await using s2s = await SchemaToSchema.open(await load("legacy"), await load("rebuilt"));
    const asked: string[][] = [];
    const err = await s2s.copy({
      strategy: "copy",
      restart: true,
      confirmRestart: (tables) => Promise.resolve(void asked.push(tables)),
    }).catch((e) => e);
    assert(err instanceof ConfigError && err.code === "S2S_SAME_DATABASE", String(err));
    assertEquals(asked, [["tb_item"]]);
    const [{ n }] = await db.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_item");
    assertEquals(n, 5);
  },
});
