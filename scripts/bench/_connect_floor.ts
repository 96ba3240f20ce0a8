/**
 * The start-up floor of a `migrate up` on this stack: the least a Deno program does before it
 * can send a migration (start, import commander and postgres.js, connect, one query, exit).
 *
 * Run: `deno run -A scripts/bench/_connect_floor.ts postgres://…`
 */
import { Command } from "@commander-js/extra-typings";
import { floorSql } from "./_floor_sql.ts";

if (typeof Command !== "function") Deno.exit(1);
const url = new URL(Deno.args[0]);
const sql = floorSql(url);
await sql.unsafe("SELECT 1");
await sql.end();
