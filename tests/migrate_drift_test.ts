/**
 * `migrate drift` on a server database changed by hand, and `migrate up --check-drift`.
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";

const FILES: Record<string, string> = {
  "db/environments/local.yaml": "name: local\ndatabase_url: ${DRIFT_TEST_URL}\nmigrations_dir: db/migrations\n",
  "db/migrations/001_user.up.sql": "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);\n",
  "db/migrations/001_user.down.sql": "DROP TABLE tb_user;\n",
  "db/migrations/002_view.up.sql": "CREATE VIEW v_user AS SELECT pk_user, name FROM tb_user;\n",
  "db/migrations/002_view.down.sql": "DROP VIEW v_user;\n",
  "db/migrations/003_post.up.sql": "CREATE TABLE tb_post (pk_post int PRIMARY KEY);\n",
  "db/migrations/003_post.down.sql": "DROP TABLE tb_post;\n",
};

interface Drift {
  ok: boolean;
  version: string | null;
  differences: { kind: string; object_type: string; object: string }[];
}

Deno.test({
  name: "[server] migrate drift: clean exit 0; hand-made changes listed with exit 1; up --check-drift refuses",
  ignore: NO_SERVER,
  async fn() {
    await using p = await tempProject(FILES);
    await using db = await freshServerDb("cft_drift");
    const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: { DRIFT_TEST_URL: db.url } });
    assertEquals((await cli("migrate", "up", "--target", "002")).code, 0);
    const clean = await cli("migrate", "drift", "-f", "json");
    assertEquals(clean.code, 0, clean.stdout + clean.stderr);
    assertEquals(clean.json<Drift>(), {
      ok: true,
      engine: "pglite:memory",
      version: "002",
      applied: 2,
      differences: [],
    });

    // By hand, as a psql session would: an index, a column, a dropped view.
    await db.db.exec(
      "CREATE INDEX idx_hand ON tb_user (name); ALTER TABLE tb_user ADD COLUMN note text; DROP VIEW v_user;",
    );
    const drift = await cli("migrate", "drift", "-f", "json");
    assertEquals(drift.code, 1, drift.stdout + drift.stderr);
    const j = drift.json<Drift>();
    assertEquals(j.ok, false);
    assertEquals(j.differences.map((d) => `${d.kind} ${d.object_type} ${d.object}`).sort(), [
      "extra column public.tb_user.note",
      "extra index public.tb_user.idx_hand",
      "missing view public.v_user",
    ]);
    const text = await cli("migrate", "drift");
    assertEquals(text.code, 1);
    assertStringIncludes(text.stdout, "idx_hand");

    const refused = await cli("migrate", "up", "--check-drift");
    assertEquals(refused.code, 1, refused.stdout + refused.stderr);
    assertStringIncludes(refused.stderr, "drifted");
    const post = await db.db.query("SELECT 1 FROM pg_class WHERE relname = 'tb_post'");
    assertEquals(post.length, 0);
    assertEquals((await cli("migrate", "up")).code, 0);
  },
});
