/**
 * `confiture erd`: the diagram is drawn from the real catalog of the built schema and parses
 * with Mermaid's own parser (the one GitHub renders with).
 *
 * @module
 */
import mermaid from "mermaid";
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { freshPglite } from "./_helpers/db.ts";
import { tempProject } from "./_helpers/project.ts";
import { readErdModel } from "../src/erd/model.ts";
import { renderMermaidErd } from "../src/erd/mermaid.ts";

const EXAMPLE = new URL("..", import.meta.url).pathname;

async function parses(text: string): Promise<void> {
  const r = await mermaid.parse(text);
  assert(r && r.diagramType === "er", `not an ER diagram: ${JSON.stringify(r)}`);
}

Deno.test({
  name: "erd: the example project's schema as a Mermaid erDiagram, stdout, JSON and -o FILE.md",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const text = await runCli(["erd"], { cwd: EXAMPLE });
    assertEquals(text.code, 0, text.stderr);
    await parses(text.stdout);
    for (const t of ["tb_user", "tb_post", "tb_comment"]) assertStringIncludes(text.stdout, `    ${t} {`);
    const fks = text.stdout.split("\n").filter((l) => /--/.test(l));
    assertEquals(fks.sort(), [
      `    tb_post ||--o{ tb_comment : "fk_post"`,
      `    tb_user ||--o{ tb_comment : "fk_user"`,
      `    tb_user ||--o{ tb_post : "fk_user"`,
    ]);
    assertStringIncludes(text.stdout, "integer pk_user PK");

    const json = await runCli(["erd", "--format", "json"], { cwd: EXAMPLE });
    assertEquals(json.code, 0, json.stderr);
    const body = json.json<{ ok: boolean; mermaid: string; tables: number; relationships: number }>();
    assertEquals([body.ok, body.tables, body.relationships, body.mermaid], [true, 3, 3, text.stdout]);

    await using project = await tempProject();
    const out = `${project.dir}/schema.md`;
    const file = await runCli(["erd", "-o", out, "--all-columns"], { cwd: EXAMPLE });
    assertEquals(file.code, 0, file.stderr);
    const md = await Deno.readTextFile(out);
    const block = md.match(/```mermaid\n([\s\S]*?)```/);
    assert(block, md);
    await parses(block[1]);
    assertStringIncludes(block[1], "timestamptz created_at");
  },
});

Deno.test({
  name: "erd: schemas, odd types, optional and one-to-one keys, keyless tables and partitions' keys",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshPglite();
    try {
      await db.exec(`
        CREATE SCHEMA "v1";
        CREATE TABLE account (id bigint PRIMARY KEY, email varchar(255) UNIQUE, balance numeric(12,2),
                              seen timestamp(3) without time zone, tags text[]);
        CREATE TABLE "v1"."profile" (account_id bigint PRIMARY KEY REFERENCES account(id), bio text);
        CREATE TABLE invite (code text, account_id bigint REFERENCES account(id));
        CREATE TABLE audit_log (at timestamptz, line text);
        CREATE TABLE payment (id int, account_id bigint NOT NULL, paid date NOT NULL) PARTITION BY RANGE (paid);
        CREATE TABLE payment_2024 PARTITION OF payment FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE payment_2025 PARTITION OF payment FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        ALTER TABLE payment_2024 ADD FOREIGN KEY (account_id) REFERENCES account(id);
        ALTER TABLE payment_2025 ADD FOREIGN KEY (account_id) REFERENCES account(id);
        CREATE TABLE tb_confiture (version text PRIMARY KEY);
      `);
      const model = await readErdModel(db);
      assertEquals(model.entities.map((e) => `${e.schema}.${e.name}`).sort(), [
        "public.account",
        "public.audit_log",
        "public.invite",
        "public.payment",
        "v1.profile",
      ]);
      const text = renderMermaidErd(model);
      await parses(text);
      await parses(renderMermaidErd(model, { allColumns: true }));
      const lines = text.split("\n");
      assert(lines.includes(`    account ||--o| v1__profile : "account_id"`), text);
      assert(lines.includes(`    account |o--o{ invite : "account_id"`), text);
      assertEquals(lines.filter((l) => l.includes("--o{ payment")), [`    account ||--o{ payment : "account_id"`]);
      assertStringIncludes(text, "varchar(255) email UK");
      assertStringIncludes(renderMermaidErd(model, { allColumns: true }), "numeric(12_2) balance");
      assertStringIncludes(renderMermaidErd(model, { allColumns: true }), "timestamp(3) seen");
      assertStringIncludes(text, "    audit_log {\n        timestamptz at\n        text line\n    }");
    } finally {
      await db.close();
    }
  },
});
