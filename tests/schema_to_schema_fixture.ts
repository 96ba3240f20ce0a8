/**
 * Shared fixture for the schema-to-schema tests: a source database shaped like a legacy app
 * and a target with the refactored schema, plus a mapping that renames, splits, computes and
 * filters.
 *
 * @module
 */
import { freshServerDb, type TempServerDb } from "./_helpers/db.ts";

/** Legacy schema: a `users` table with a full name to split and a status to turn into a flag. */
export const SOURCE_DDL = `
CREATE TABLE users (
  id integer PRIMARY KEY,
  full_name text NOT NULL,
  email_address text NOT NULL,
  status text NOT NULL,
  deleted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO users (id, full_name, email_address, status, deleted_at, updated_at)
  SELECT g, 'Given' || g || ' Family' || g, 'user' || g || '@example.test',
         CASE WHEN g % 3 = 0 THEN 'inactive' ELSE 'active' END,
         CASE WHEN g % 10 = 0 THEN now() - interval '1 day' END, now() - interval '2 days'
    FROM generate_series(1, 250) g;
CREATE TABLE order_lines (
  order_id bigint NOT NULL,
  line integer NOT NULL,
  amount_cents integer NOT NULL,
  PRIMARY KEY (order_id, line));
INSERT INTO order_lines SELECT o, l, o * 100 + l FROM generate_series(1, 40) o, generate_series(1, 3) l;`;

/** Refactored schema. */
export const TARGET_DDL = `
CREATE TABLE tb_user (
  pk_user bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  given_name text NOT NULL,
  family_name text NOT NULL,
  email text NOT NULL,
  is_active boolean NOT NULL,
  created_by text NOT NULL DEFAULT 'migration');
CREATE TABLE tb_order_line (
  order_id bigint NOT NULL,
  line integer NOT NULL,
  amount numeric(12, 2) NOT NULL,
  PRIMARY KEY (order_id, line));`;

/** Renamed columns, a split, an expression and a where filter. */
export const MAPPING = `tables:
  tb_user:
    source: users
    columns:
      pk_user: id
      given_name: "split_part(full_name, ' ', 1)"
      family_name: "split_part(full_name, ' ', 2)"
      email: email_address
      is_active: "status = 'active'"
    where: "deleted_at IS NULL"
  public.tb_order_line:
    source: public.order_lines
    columns:
      order_id: order_id
      line: line
      amount: "amount_cents / 100.0"
`;

/** Source and target databases with the fixture schemas loaded. */
export interface Pair extends AsyncDisposable {
  source: TempServerDb;
  target: TempServerDb;
}

/** Create both databases; dropped on dispose. */
export async function freshPair(): Promise<Pair> {
  const source = await freshServerDb("cft_s2s_src");
  const target = await freshServerDb("cft_s2s_tgt");
  await source.db.exec(SOURCE_DDL);
  await target.db.exec(TARGET_DDL);
  return {
    source,
    target,
    async [Symbol.asyncDispose]() {
      // The target's FDW sessions hold the source open; drop the target first.
      await target[Symbol.asyncDispose]();
      await source[Symbol.asyncDispose]();
    },
  };
}
