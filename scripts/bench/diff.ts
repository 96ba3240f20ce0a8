// deno-lint-ignore-file no-console -- a bench script reports on the terminal
/**
 * `migrate diff` benchmark: a generated project of `DIFF_TABLES` tables (default 100; identity
 * keys, a UNIQUE, a CHECK, a FK to the previous table, an index each; a view and a PL/pgSQL
 * function for every fifth table, a trigger for every tenth) whose `db/schema/` and migration
 * 001 hold the same DDL, then a handful of edits to `db/schema/` (a column on a table and on the
 * view reading it, an index and a CHECK and a FK on existing tables, a function body, a new table
 * with a FK). Measured end to end as CLI subprocesses, in alternation, on the edited project:
 * `migrate diff NAME --dry-run` (build, replay, plan, lint, prove: everything but the write) and
 * `migrate check-schema` (build, replay, compare; it exits 1 on the drift the edit made).
 *
 * Run: `deno task bench diff` (env: DIFF_TABLES=100, DIFF_ROUNDS=5; DIFF_AGAINST=postgres://…
 * runs both with `--against` that server instead of embedded PGlite).
 */
import { cli, median, time } from "./_util.ts";

const TABLES = Number(Deno.env.get("DIFF_TABLES") ?? 100);
const ROUNDS = Number(Deno.env.get("DIFF_ROUNDS") ?? 5);
const AGAINST = Deno.env.get("DIFF_AGAINST");

const pad = (n: number) => String(n).padStart(4, "0");

/** The schema files of the generated project, path under db/schema/ → DDL. */
export function schemaFiles(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) {
    const t = `tb_${pad(i)}`;
    const fk = i > 1 ? `,\n    fk_parent bigint REFERENCES tb_${pad(i - 1)} (pk_${pad(i - 1)}) ON DELETE CASCADE` : "";
    files[`10_tables/${t}.sql`] =
      `CREATE TABLE ${t} (\n    pk_${pad(i)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n` +
      `    code text NOT NULL UNIQUE,\n    name text NOT NULL,\n    amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),\n` +
      `    created_at timestamptz NOT NULL DEFAULT now()${fk}\n);\n` +
      `CREATE INDEX idx_${t}_name ON ${t} (lower(name));\nCOMMENT ON TABLE ${t} IS 'generated table ${i}';\n`;
    if (i % 5 === 0) {
      files[`20_views/v_${pad(i)}.sql`] =
        `CREATE VIEW v_${pad(i)} AS\nSELECT t.pk_${pad(i)}, t.code, t.name, t.amount\n` +
        `  FROM ${t} t\n WHERE t.amount > 0;\n`;
      files[`30_functions/fn_${pad(i)}.sql`] = `CREATE FUNCTION fn_total_${pad(i)}(p_min numeric DEFAULT 0)\n` +
        `RETURNS numeric LANGUAGE plpgsql STABLE AS $$\nDECLARE\n    v numeric;\nBEGIN\n` +
        `    SELECT coalesce(sum(amount), 0) INTO v FROM ${t} WHERE amount >= p_min;\n    RETURN v;\nEND;\n$$;\n`;
    }
    if (i % 10 === 0) {
      files[`30_functions/touch_${pad(i)}.sql`] =
        `CREATE FUNCTION touch_${pad(i)}() RETURNS trigger LANGUAGE plpgsql AS $$\n` +
        `BEGIN\n    NEW.created_at := now();\n    RETURN NEW;\nEND;\n$$;\n` +
        `CREATE TRIGGER trg_touch_${pad(i)} BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION touch_${pad(i)}();\n`;
    }
  }
  return files;
}

/** The developer's edit: six changes of the kinds `migrate diff` stages differently. */
export function editedFiles(n: number): Record<string, string> {
  const f = schemaFiles(n);
  if (n < 50) throw new Error("DIFF_TABLES must be at least 50");
  const at = pad;
  const sub = (path: string, from: string, to: string) => {
    if (!f[path]?.includes(from)) throw new Error(`edit: ${path} has no ${from}`);
    f[path] = f[path].replace(from, to);
  };
  const v = at(10);
  sub(
    `10_tables/tb_${v}.sql`,
    "created_at timestamptz NOT NULL DEFAULT now()",
    "created_at timestamptz NOT NULL DEFAULT now(),\n    note text",
  );
  sub(`20_views/v_${v}.sql`, "t.amount\n", "t.amount, t.note\n");
  f[`10_tables/tb_${at(20)}.sql`] += `CREATE INDEX idx_tb_${at(20)}_created ON tb_${at(20)} (created_at);\n`;
  f[`10_tables/tb_${at(30)}.sql`] += `ALTER TABLE tb_${
    at(30)
  } ADD COLUMN fk_root bigint REFERENCES tb_0001 (pk_0001);\n`;
  f[`10_tables/tb_${at(40)}.sql`] += `ALTER TABLE tb_${at(40)} ADD CONSTRAINT tb_${
    at(40)
  }_amount_max CHECK (amount < 1e9);\n`;
  sub(`30_functions/fn_${v}.sql`, "WHERE amount >= p_min", "WHERE amount >= p_min AND amount > 0");
  f["10_tables/tb_zz_note.sql"] =
    `CREATE TABLE tb_note (\n    pk_note bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n` +
    `    fk_item bigint NOT NULL REFERENCES tb_${at(50)} (pk_${at(50)}),\n    body text NOT NULL\n);\n`;
  return f;
}

async function writeProject(dir: string): Promise<void> {
  const put = async (path: string, text: string) => {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  };
  const original = schemaFiles(TABLES);
  // Migration 001 is the original DDL in the order the build concatenates it (by path).
  const initial = Object.keys(original).sort().map((k) => original[k]).join("\n");
  await put("db/migrations/001_initial.up.sql", initial);
  await put("db/migrations/001_initial.down.sql", "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n");
  await put("db/environments/local.yaml", "name: local\ndatabase_url: pglite:memory\n");
  for (const [path, text] of Object.entries(editedFiles(TABLES))) await put(`db/schema/${path}`, text);
}

/** Run the benchmark and print the figures for docs/benchmarks.md. */
export async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_bench_diff_" });
  try {
    await writeProject(dir);
    const against = AGAINST ? ["--against", AGAINST] : [];
    const diff = () => cli(["migrate", "diff", "bench_edit", "--dry-run", ...against], { cwd: dir });
    const check = () => cli(["migrate", "check-schema", ...against], { cwd: dir, allow: [1] });
    // Warm-up: module cache, and a first proof that the edit diffs and proves cleanly.
    await diff();
    const d: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const pair: [number[], () => Promise<number>][] = [[d, diff], [c, check]];
      for (const [xs, run] of i % 2 === 0 ? pair : pair.reverse()) xs.push(await time(run));
      console.error(`round ${i + 1}: diff ${d.at(-1)!.toFixed(0)} ms, check-schema ${c.at(-1)!.toFixed(0)} ms`);
    }
    const files = Object.keys(editedFiles(TABLES)).length;
    console.error(
      `\n${TABLES} tables, ${files} schema files, ${ROUNDS} rounds, ${AGAINST ? "--against server" : "PGlite"}:\n` +
        `  migrate diff --dry-run  median ${median(d).toFixed(0)} ms  (${d.map((x) => x.toFixed(0)).join(", ")})\n` +
        `  migrate check-schema    median ${median(c).toFixed(0)} ms  (${c.map((x) => x.toFixed(0)).join(", ")})\n` +
        `  ratio ${(median(d) / median(c)).toFixed(2)}× (target ≤ 2×)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
