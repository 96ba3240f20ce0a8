import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { extensionsCreatedBy } from "./extensions.ts";

Deno.test("extensionsCreatedBy reads CREATE EXTENSION names, quoted or not, and skips comments and bodies", () => {
  const sql = `-- CREATE EXTENSION postgis;
/* CREATE EXTENSION timescaledb; */
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;
create extension CITEXT;
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE EXTENSION hstore'; END $$;
SELECT 'CREATE EXTENSION ltree';
CREATE EXTENSION earthdistance CASCADE;
CREATE EXTENSION citext;`;
  assertEquals(extensionsCreatedBy(sql, "CREATE EXTENSION pg_trgm;"), [
    "uuid-ossp",
    "citext",
    "earthdistance",
    "pg_trgm",
  ]);
  assertEquals(extensionsCreatedBy("CREATE TABLE t (id int);"), []);
});
