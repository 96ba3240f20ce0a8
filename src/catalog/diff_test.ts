import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type CatalogDifference, diffCatalogs, formatCatalogDiff, sameViewDefinition } from "./diff.ts";
import type { CatalogSnapshot } from "./snapshot.ts";
import { col, table } from "./_snapshot_builders.ts";

const snapshot = (extra: Partial<CatalogSnapshot> = {}): CatalogSnapshot => ({
  schemas: ["public"],
  extensions: [],
  tables: {},
  views: {},
  functions: {},
  sequences: {},
  enums: {},
  domains: {},
  privileges: {},
  ...extra,
});

const base = () =>
  snapshot({
    tables: {
      "public.tb_user": table({
        id: col("bigint", { nullable: false }),
        email: col("text", { position: 2, nullable: false }),
        name: col("text", { position: 3, default: "'anon'::text" }),
      }, {
        constraints: { tb_user_pkey: { type: "primary key", definition: "PRIMARY KEY (id)" } },
        indexes: {
          idx_user_email: { definition: "CREATE INDEX idx_user_email ON public.tb_user USING btree (email)" },
        },
      }),
    },
    views: { "public.v_user": { kind: "view", definition: "SELECT id FROM tb_user", indexes: {}, comment: null } },
    enums: { "public.mood": ["sad", "happy"] },
    privileges: {
      "table public.tb_user": ["SELECT TO PUBLIC"],
      "view public.v_user": ["SELECT TO PUBLIC", "UPDATE TO app"],
    },
  });

const cases: { name: string; change: (s: CatalogSnapshot) => void; want: Partial<CatalogDifference>[] }[] = [
  { name: "identical", change: () => {}, want: [] },
  {
    name: "a column only in expected",
    change: (s) => delete s.tables["public.tb_user"].columns.email,
    want: [{ kind: "missing", objectType: "column", object: "public.tb_user.email", parent: "public.tb_user" }],
  },
  {
    name: "a default that differs",
    change: (s) => s.tables["public.tb_user"].columns.name.default = "'x'::text",
    want: [{
      kind: "changed",
      objectType: "column",
      object: "public.tb_user.name",
      detail: "default",
      expected: "'anon'::text",
      actual: "'x'::text",
    }],
  },
  {
    name: "an index only in expected",
    change: (s) => delete s.tables["public.tb_user"].indexes.idx_user_email,
    want: [{ kind: "missing", objectType: "index", object: "public.tb_user.idx_user_email" }],
  },
  {
    name: "an extra table",
    change: (s) => s.tables["public.tb_extra"] = table({ a: col("int") }),
    want: [{ kind: "extra", objectType: "table", object: "public.tb_extra" }],
  },
  {
    name: "nullability, type and a view body",
    change: (s) => {
      s.tables["public.tb_user"].columns.email.nullable = true;
      s.tables["public.tb_user"].columns.id.type = "integer";
      s.views["public.v_user"].definition = "SELECT 1";
    },
    want: [
      { object: "public.tb_user.email", detail: "nullable", expected: false, actual: true },
      { object: "public.tb_user.id", detail: "type", expected: "bigint", actual: "integer" },
      { object: "public.v_user", objectType: "view", detail: "definition" },
    ],
  },
  {
    name: "a grant only in expected, and a grant that differs",
    change: (s) => {
      s.privileges["view public.v_user"] = ["SELECT TO app"];
      delete s.privileges["table public.tb_user"];
    },
    want: [
      { kind: "missing", objectType: "privilege", object: "table public.tb_user", expected: ["SELECT TO PUBLIC"] },
      {
        kind: "changed",
        objectType: "privilege",
        object: "view public.v_user",
        detail: "grants",
        expected: ["SELECT TO PUBLIC", "UPDATE TO app"],
        actual: ["SELECT TO app"],
      },
    ],
  },
  {
    name: "enum labels and a new schema",
    change: (s) => {
      s.enums["public.mood"] = ["sad", "ok", "happy"];
      s.schemas.push("app");
    },
    want: [
      { kind: "extra", objectType: "schema", object: "app" },
      { kind: "changed", objectType: "enum", detail: "labels" },
    ],
  },
  {
    name: "a column comment and a policy only in actual",
    change: (s) => {
      s.tables["public.tb_user"].columns.email.comment = "login";
      s.tables["public.tb_user"].policies.own = {
        command: "all",
        permissive: true,
        roles: ["public"],
        using: "true",
        check: null,
      };
    },
    want: [
      { kind: "changed", objectType: "column", object: "public.tb_user.email", detail: "comment", actual: "login" },
      { kind: "extra", objectType: "policy", object: "public.tb_user.own" },
    ],
  },
  {
    name: "column order is ignored by default",
    change: (s) => {
      s.tables["public.tb_user"].columns.email.position = 3;
      s.tables["public.tb_user"].columns.name.position = 2;
    },
    want: [],
  },
];

for (const c of cases) {
  Deno.test(`diffCatalogs: ${c.name}`, () => {
    const actual = base();
    c.change(actual);
    const diffs = diffCatalogs(base(), actual);
    assertEquals(diffs.length, c.want.length, formatCatalogDiff(diffs));
    c.want.forEach((w, i) => {
      for (const [k, v] of Object.entries(w)) assertEquals((diffs[i] as unknown as Record<string, unknown>)[k], v);
    });
  });
}

Deno.test("formatCatalogDiff groups by table and names both sides", () => {
  const actual = base();
  delete actual.tables["public.tb_user"].columns.email;
  actual.tables["public.tb_user"].columns.name.default = null;
  delete actual.tables["public.tb_user"].indexes.idx_user_email;
  actual.tables["public.tb_new"] = table({ a: col("int") });
  const text = formatCatalogDiff(diffCatalogs(base(), actual), { expected: "db/schema", actual: "migrations" });
  assertEquals(
    text,
    [
      "table public.tb_new",
      "  + 1 column: only in migrations",
      "table public.tb_user",
      "  - column email (text NOT NULL): only in db/schema",
      "  ~ column name default: 'anon'::text (db/schema) ≠ none (migrations)",
      "  - index idx_user_email (CREATE INDEX idx_user_email ON public.tb_user USING btree (email)): only in db/schema",
    ].join("\n"),
  );
  assertEquals(formatCatalogDiff([]), "No differences.");
});

Deno.test("formatCatalogDiff names the object a grant is on", () => {
  const actual = base();
  actual.privileges["view public.v_user"] = ["SELECT TO PUBLIC"];
  delete actual.privileges["table public.tb_user"];
  assertEquals(
    formatCatalogDiff(diffCatalogs(base(), actual), { expected: "db/schema", actual: "migrations" }),
    [
      "privileges on table public.tb_user",
      "  - SELECT TO PUBLIC: only in db/schema",
      "privileges on view public.v_user",
      "  ~ grants: [SELECT TO PUBLIC, UPDATE TO app] (db/schema) ≠ [SELECT TO PUBLIC] (migrations)",
    ].join("\n"),
  );
});

Deno.test("sameViewDefinition: qualifier-only differences (PostgreSQL 15 vs 16+) are equal; real ones are not", () => {
  assertEquals(
    sameViewDefinition("SELECT t.id, t.status FROM t WHERE t.id > 0", "SELECT id, status FROM t WHERE id > 0"),
    true,
  );
  assertEquals(sameViewDefinition("SELECT t.id FROM t WHERE t.s = 'a.b'", "SELECT id FROM t WHERE s = 'a.b'"), true);
  assertEquals(sameViewDefinition("SELECT id FROM t WHERE s = 'a.b'", "SELECT id FROM t WHERE s = 'ab'"), false);
  assertEquals(sameViewDefinition("SELECT t.id FROM t", "SELECT t.name FROM t"), false);
});

Deno.test("formatCatalogDiff indents multi-line values under their label", () => {
  const text = formatCatalogDiff([
    {
      kind: "changed",
      objectType: "function",
      object: "public.f()",
      detail: "body",
      expected: "BEGIN\n  RETURN 1;\nEND",
      actual: "BEGIN\n  RETURN 2;\nEND",
    },
  ], { expected: "ddl", actual: "mig" });
  assertEquals(
    text,
    [
      "function public.f()",
      "  ~ body differs:",
      "      ddl: BEGIN",
      "             RETURN 1;",
      "           END",
      "      mig: BEGIN",
      "             RETURN 2;",
      "           END",
    ].join("\n"),
  );
});
