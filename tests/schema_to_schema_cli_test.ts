/**
 * `confiture migrate schema-to-schema` as users run it: a subprocess against two real
 * databases, checking stdout, stderr, exit codes and what lands in the target.
 */
import { assert, assertEquals, assertNotIncludes, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { NO_SERVER, SERVER_URL } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { freshPair, MAPPING, type Pair } from "./schema_to_schema_fixture.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const S2S = ["migrate", "schema-to-schema"];

async function project(pair: Pair, sourceUrl = pair.source.url, targetExtra = "") {
  return await tempProject({
    "db/environments/legacy.yaml": `database_url: "${sourceUrl}"\n`,
    "db/environments/rebuilt.yaml": `database_url: "${pair.target.url}"\n${targetExtra}`,
    "db/schema_to_schema.yaml": MAPPING,
  });
}

function ends(...args: string[]): string[] {
  return [...S2S, ...args, "--source", "legacy", "--target", "rebuilt"];
}

Deno.test({
  name: "s2s CLI: a killed migrate resumes after its last committed batch; verify then catches a corrupted row",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    await using p = await project(pair);
    const analyzed = await runCli([...ends("analyze", "--batch-size", "20", "--strategy", "copy"), "-f", "json"], {
      cwd: p.dir,
    });
    assertEquals(analyzed.code, 0, analyzed.stderr);
    const plan = analyzed.json<
      { tables: { table: string; source_rows: number; strategy: string; batches: number }[] }
    >();
    assertEquals(plan.tables.map((t) => [t.table, t.source_rows, t.strategy, t.batches]), [
      ["public.tb_user", 250, "copy", 13],
      ["public.tb_order_line", 120, "copy", 6],
    ]);

    // The long throttle parks the run after its first batch, where we kill it.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        MAIN,
        "--verbose",
        ...ends("migrate", "--strategy", "copy", "--batch-size", "20", "--throttle-ms", "600000"),
      ],
      cwd: p.dir,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let seen = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!seen.includes("public.tb_user")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    if (!/public\.tb_user \[#+-+\] 20\/225 rows/.test(seen)) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`expected a progress line after the first batch, got:\n${seen}`);
    }
    child.kill("SIGKILL");
    await reader.cancel();
    await child.status;
    const [{ n }] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM tb_user");
    assertEquals(n, 20, "exactly the committed batch is in the target");

    const refused = await runCli(ends("migrate", "--strategy", "copy"), { cwd: p.dir });
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.stderr, "public.tb_user was already partly copied (20 rows)");
    assertStringIncludes(refused.stderr, "--resume");

    const resumed = await runCli([
      ...ends("migrate", "--strategy", "copy", "--resume", "--batch-size", "50"),
      "-f",
      "json",
    ], { cwd: p.dir });
    assertEquals(resumed.code, 0, resumed.stderr);
    const result = resumed.json<
      { tables: { table: string; rows: number; total_rows: number; resumed_from: string[] }[] }
    >();
    assertEquals(result.tables.map((t) => [t.table, t.rows, t.total_rows, t.resumed_from]), [
      ["public.tb_user", 205, 225, ["22"]],
      ["public.tb_order_line", 120, 120, null],
    ]);
    assertStringIncludes(resumed.stderr, "public.tb_user [########################] 225 rows in");
    const [dupes] = await pair.target.db.query<{ n: number; distinct: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT pk_user)::int AS distinct FROM tb_user",
    );
    assertEquals(dupes, { n: 225, distinct: 225 });

    const ok = await runCli(ends("verify"), { cwd: p.dir });
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    assertStringIncludes(ok.stdout, "✓ public.tb_user: source=225 target=225");
    assertStringIncludes(ok.stdout, "All tables match.");

    await pair.target.db.exec("UPDATE tb_user SET email = 'corrupted' WHERE pk_user = 123");
    const bad = await runCli([...ends("verify", "--chunk-size", "50"), "-f", "json"], { cwd: p.dir });
    assertEquals(bad.code, 1, bad.stderr);
    const verdict = bad.json<
      { matched: boolean; tables: { table: string; match: boolean; mismatches: unknown[] }[] }
    >();
    assertEquals(verdict.matched, false);
    assertEquals(verdict.tables.map((t) => [t.table, t.match, t.mismatches]), [
      ["public.tb_user", false, [{
        after: ["111"],
        up_to: ["166"],
        source_rows: 50,
        target_rows: 50,
        differs: "checksum",
      }]],
      ["public.tb_order_line", true, []],
    ]);
    const text = await runCli(ends("verify", "--chunk-size", "50", "--tables", "tb_user"), { cwd: p.dir });
    assertEquals(text.code, 1);
    assertStringIncludes(
      text.stdout,
      "public.tb_user: keys after (111) up to (166): checksums differ (50 rows on both sides)",
    );
    assertStringIncludes(text.stdout, "Mismatch in public.tb_user.");
    await pair.target.db.exec("DELETE FROM tb_user WHERE pk_user = 124");
    const fewer = await runCli(ends("verify", "--chunk-size", "50", "--tables", "tb_user"), { cwd: p.dir });
    assertEquals(fewer.code, 1);
    assertStringIncludes(fewer.stdout, "keys after (111) up to (166): row counts differ (source 50, target 49)");
  },
});

Deno.test({
  name: "s2s CLI: the source password reaches the user mapping and no output; cleanup asks on a protected target",
  ignore: NO_SERVER,
  async fn() {
    await using pair = await freshPair();
    const role = `cft_s2s_app_${crypto.randomUUID().slice(0, 8)}`;
    const password = `Pw-${crypto.randomUUID()}`;
    const admin = pair.source.db;
    await admin.exec(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'; GRANT pg_read_all_data TO ${role}`);
    try {
      const src = new URL(pair.source.url);
      src.username = role;
      src.password = password;
      await using p = await project(pair, src.toString(), "protected: true\n");
      const outputs: string[] = [];
      const run = async (args: string[], expected: number) => {
        const r = await runCli(args, { cwd: p.dir });
        outputs.push(`$ ${args.join(" ")}\n${r.stdout}${r.stderr}`);
        assertEquals(r.code, expected, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
        return r;
      };
      await run(ends("setup"), 0);
      const setup = await run([...ends("setup"), "-f", "json"], 0);
      const s = setup.json<{ source: string; user: string; password_set: boolean; updated: boolean }>();
      const host = new URL(SERVER_URL!).hostname;
      assertEquals([s.user, s.password_set, s.updated], [role, true, true]);
      assertEquals(s.source, `${host}:${new URL(SERVER_URL!).port || 5432}/${pair.source.name}`);
      const [mapping] = await pair.target.db.query<{ options: string[] }>(
        "SELECT umoptions AS options FROM pg_user_mappings WHERE srvname = 'confiture_source_server'",
      );
      assertEquals(mapping.options.sort(), [`password=${password}`, `user=${role}`]);
      // The default fdw strategy reads through the mapping, so the copy proves the credentials work.
      await run([...ends("migrate"), "-f", "json"], 0);
      await run(ends("analyze"), 0);
      await run(ends("catch-up", "--tables", "tb_user"), 0);
      await run([...ends("verify"), "-f", "json"], 0);
      const unreachable = await run([...ends("setup", "--fdw-port", "1"), "-f", "json"], 3);
      assertStringIncludes(unreachable.stdout, "could not connect to the source");
      const refused = await run(ends("cleanup"), 5);
      assertStringIncludes(
        refused.stderr,
        'Refusing to drop the foreign server, user mapping and schema confiture_source on protected environment "rebuilt" without --yes',
      );
      await run([...ends("cleanup", "--yes"), "-f", "json"], 0);
      const [left] = await pair.target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_user_mappings");
      assertEquals(left.n, 0);
      for (const out of outputs) assertNotIncludes(out, password);
      assert(outputs.length === 9);
    } finally {
      await pair.target[Symbol.asyncDispose]();
      await admin.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
    }
  },
});
