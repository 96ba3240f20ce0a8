/**
 * Schema-to-schema guards, run as users run them (a subprocess on real databases): the same
 * database under two spellings, a `where:` that is not one expression, `--restart` on a
 * table other tables reference.
 */
import { assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshServerDb, NO_SERVER } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { freshPair, MAPPING, SOURCE_DDL, TARGET_DDL } from "./schema_to_schema_fixture.ts";

const S2S = ["migrate", "schema-to-schema"];
const ends = (...args: string[]) => [...S2S, ...args, "--source", "legacy", "--target", "rebuilt"];

interface Envelope {
  ok: boolean;
  error: { code: string; message: string; hint?: string };
}

Deno.test({
  name: "s2s guard: one database under two spellings is refused (exit 5) before anything is written",
  ignore: NO_SERVER,
  async fn() {
    await using db = await freshServerDb("cft_s2s_same");
    // Both the legacy tables and the new ones live in this one database.
    await db.db.exec(SOURCE_DDL + TARGET_DDL);
    const spellings: [string, string][] = [
      [
        `postgres://root@127.0.0.1:5432/${db.name}?sslmode=disable`,
        `postgres://root@localhost:5432/${db.name}?sslmode=disable`,
      ],
      [
        `postgres://root@127.0.0.1:5432/${db.name}?sslmode=disable`,
        `host=127.0.0.1 port=5432 dbname=${db.name} user=root sslmode=disable`,
      ],
      [
        `postgres://root@127.0.0.1:5432/${db.name}?sslmode=disable`,
        `host=/var/run/postgresql port=5432 dbname=${db.name} user=root`,
      ],
    ];
    for (const [source, target] of spellings) {
      await using p = await tempProject({
        "db/environments/legacy.yaml": `database_url: "${source}"\n`,
        "db/environments/rebuilt.yaml": `database_url: "${target}"\n`,
        "db/schema_to_schema.yaml": MAPPING,
      });
      for (
        const args of [
          ends("migrate", "--strategy", "copy"),
          ends("setup"),
          ends("migrate", "--restart", "--strategy", "copy"),
        ]
      ) {
        const r = await runCli([...args, "-f", "json"], { cwd: p.dir });
        assertEquals(r.code, 5, `${args.join(" ")} with ${target}\n${r.stdout}\n${r.stderr}`);
        const e = r.json<Envelope>();
        assertEquals([e.ok, e.error.code], [false, "S2S_SAME_DATABASE"]);
        assertStringIncludes(e.error.message, "are the same database");
        assertStringIncludes(e.error.message, `/${db.name}`);
        // Both spellings are named, as the user wrote them (host and all).
        assertStringIncludes(
          e.error.message,
          target.startsWith("host=/")
            ? "[socket /var/run/postgresql]"
            : target.includes("localhost")
            ? "@localhost:5432"
            : "@127.0.0.1:5432",
        );
      }
      const text = await runCli(ends("migrate", "--strategy", "copy"), { cwd: p.dir });
      assertEquals(text.code, 5);
      assertStringIncludes(text.stderr, "are the same database");
    }
    const [state] = await db.db.query<{ rows: number; staging: boolean; fdw: boolean }>(
      `SELECT (SELECT count(*)::int FROM tb_user) AS rows,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'confiture_source') AS staging,
              EXISTS (SELECT 1 FROM pg_foreign_server) AS fdw`,
    );
    assertEquals(state, { rows: 0, staging: false, fdw: false });
  },
});

Deno.test({
  name: "s2s guard: a where that closes its own parenthesis is refused with the file:line of the key (exit 5)",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    const mapping = MAPPING.replace(`where: "deleted_at IS NULL"`, `where: "id > 0) OR (true"`);
    await using p = await tempProject({
      "db/environments/legacy.yaml": `database_url: "${pair.source.url}"\n`,
      "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n`,
      "db/schema_to_schema.yaml": mapping,
    });
    const line = mapping.split("\n").findIndex((l) => l.includes("where:")) + 1;
    for (const sub of ["migrate", "analyze", "verify"]) {
      const r = await runCli([
        ...ends(sub, "--strategy", "copy").filter((a) => sub === "verify" ? a !== "--strategy" && a !== "copy" : true),
        "-f",
        "json",
      ], { cwd: p.dir });
      assertEquals(r.code, 5, `${sub}\n${r.stdout}\n${r.stderr}`);
      const e = r.json<Envelope>();
      assertStringIncludes(
        e.error.message,
        `db/schema_to_schema.yaml:${line}: public.tb_user: where: is not one SQL expression`,
      );
    }
    const [{ n }] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_user");
    assertEquals(n, 0);
    // Nothing of it reached the source either: no statement with the text ran there.
    const ran = await pair.source.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%OR (true%' AND pid <> pg_backend_pid()",
    );
    assertEquals(ran.length, 0);
  },
});

Deno.test({
  name: "s2s guard: --restart on a referenced table names the referencing tables (exit 5); restarting both works",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await pair.target.db.exec(`CREATE TABLE tb_note (id int PRIMARY KEY, fk_user bigint REFERENCES tb_user (pk_user));
      CREATE TABLE tb_audit (id int PRIMARY KEY, fk_user bigint CONSTRAINT fk_audit_user REFERENCES tb_user (pk_user))`);
    await pair.source.db.exec(
      "CREATE TABLE notes (id int PRIMARY KEY, user_id int); INSERT INTO notes VALUES (1, 1), (2, 2)",
    );
    const mapping = MAPPING + `  tb_note:\n    source: notes\n    columns:\n      id: id\n      fk_user: user_id\n`;
    await using p = await tempProject({
      "db/environments/legacy.yaml": `database_url: "${pair.source.url}"\n`,
      "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n`,
      "db/schema_to_schema.yaml": mapping,
    });
    const first = await runCli(ends("migrate", "--strategy", "copy"), { cwd: p.dir });
    assertEquals(first.code, 0, first.stderr);
    await pair.target.db.exec("INSERT INTO tb_audit VALUES (1, 5)");

    const refused = await runCli([
      ...ends("migrate", "--strategy", "copy", "--restart", "--tables", "tb_user"),
      "-f",
      "json",
    ], {
      cwd: p.dir,
    });
    assertEquals(refused.code, 5, refused.stdout + refused.stderr);
    const e = refused.json<Envelope>();
    assertEquals(e.error.code, "S2S_RESTART_REFERENCED");
    assertStringIncludes(e.error.message, "public.tb_audit references public.tb_user (constraint fk_audit_user)");
    assertStringIncludes(e.error.message, "public.tb_note references public.tb_user");
    assertStringIncludes(e.error.hint!, "--tables public.tb_user,public.tb_audit,public.tb_note");
    const [kept] = await pair.target.db.query<{ users: number; notes: number; audit: number }>(
      "SELECT (SELECT count(*)::int FROM tb_user) AS users, (SELECT count(*)::int FROM tb_note) AS notes, (SELECT count(*)::int FROM tb_audit) AS audit",
    );
    assertEquals(kept, { users: 225, notes: 2, audit: 1 }, "nothing was emptied");

    // tb_audit is not in the mapping: once it is emptied by hand, the two mapped tables restart together.
    await pair.target.db.exec("DROP TABLE tb_audit");
    const both = await runCli([
      ...ends("migrate", "--strategy", "copy", "--restart", "--tables", "tb_user,tb_note"),
      "-f",
      "json",
    ], {
      cwd: p.dir,
    });
    assertEquals(both.code, 0, both.stdout + both.stderr);
    assertEquals(
      both.json<{ tables: { table: string; rows: number }[] }>().tables.map((t) => [t.table, t.rows]),
      [["public.tb_user", 225], ["public.tb_note", 2]],
    );
  },
});
