/**
 * The shared fixture of the sync integration tests (sync_test.ts, sync_masking_test.ts): a
 * blog schema with PII, its rows, a profile masking them, and a seeded source/target pair.
 *
 * @module
 */
import type { SyncOptions } from "../src/sync/sync.ts";
import { parseProfile } from "../src/sync/profile.ts";
import type { Database } from "../src/db/database.ts";
import { freshServerDb, type TempServerDb } from "./_helpers/db.ts";

export const SCHEMA = `
CREATE TABLE tb_user (
  pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  first_name text,
  last_name varchar(30),
  phone varchar(20),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tb_post (
  pk_post serial PRIMARY KEY,
  fk_user bigint NOT NULL REFERENCES tb_user,
  title text NOT NULL,
  author_email text
);
CREATE TABLE tb_comment (
  pk_comment serial PRIMARY KEY,
  fk_post int NOT NULL REFERENCES tb_post,
  fk_user bigint REFERENCES tb_user,
  body text
);
CREATE TABLE tb_employee (id int PRIMARY KEY, manager_id int REFERENCES tb_employee, full_name text);
`;

export const DATA = `
INSERT INTO tb_user (email, first_name, last_name, phone, created_at)
  SELECT 'person' || i || '@corp.test', 'Firstname' || i, 'Lastname' || i, '+33 6 12 ' || lpad(i::text, 6, '0'),
         '2024-01-01'::timestamptz + i * interval '1 hour'
  FROM generate_series(1, 60) i;
INSERT INTO tb_user (email, first_name) VALUES (E'tab\\there@corp.test', NULL);
INSERT INTO tb_post (fk_user, title, author_email)
  SELECT 1 + i % 60, 'Post ' || i, 'person' || (1 + i % 60) || '@corp.test' FROM generate_series(1, 200) i;
INSERT INTO tb_comment (fk_post, fk_user, body)
  SELECT 1 + i % 200, CASE WHEN i % 7 = 0 THEN NULL ELSE 1 + i % 60 END, 'Nice post ' || i FROM generate_series(1, 500) i;
-- Managers stored after their reports: the self-reference only holds for the whole table.
INSERT INTO tb_employee VALUES (1, NULL, 'Boss');
INSERT INTO tb_employee SELECT i, i + 1, 'Employee ' || i FROM generate_series(2, 40) i
  UNION ALL SELECT 41, 1, 'Middle';
`;

export const PROFILE = parseProfile(
  `
rules:
  tb_user.email: email
  tb_user.first_name: { strategy: name, part: first }
  public.tb_user.last_name: { strategy: name, part: last }
  tb_user.phone: phone
  tb_post.author_email: email
  tb_employee.full_name: name
`,
  "anonymization.yaml",
);

export const KEY = new TextEncoder().encode("test-key-0123456789abcdef");

export function options(extra: Partial<SyncOptions> = {}): SyncOptions {
  return { rules: PROFILE.rules, key: KEY, ...extra };
}

export async function count(db: Database, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(n);
}

export async function everything(db: Database): Promise<string> {
  const parts: string[] = [];
  for (const t of ["tb_user", "tb_post", "tb_comment", "tb_employee"]) {
    const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${t} t`);
    parts.push(...rows.map((r) => r.r));
  }
  return parts.join("\n");
}

/** A source database holding SCHEMA and DATA and a target holding `targetDdl`; both go on dispose. */
export async function seededPair(
  targetDdl = SCHEMA,
): Promise<{ src: TempServerDb; dst: TempServerDb } & AsyncDisposable> {
  const owned = new AsyncDisposableStack();
  try {
    const src = owned.use(await freshServerDb("cfsync"));
    const dst = owned.use(await freshServerDb("cfsync"));
    await src.db.exec(SCHEMA + DATA);
    await dst.db.exec(targetDdl);
    const both = owned.move();
    return { src, dst, [Symbol.asyncDispose]: () => both.disposeAsync() };
  } catch (e) {
    await owned.disposeAsync();
    throw e;
  }
}
