// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * The floor for `migrate status` under `deno run`: the least a Deno program can do to answer
 * the same question (start, import the driver, connect, read the tracking table, print, exit).
 *
 * Run: `deno run -A scripts/bench/_status_floor.ts postgres://…`
 */
import { floorSql } from "./_floor_sql.ts";

const url = new URL(Deno.args[0]);
const sql = floorSql(url);
const rows = await sql.unsafe("SELECT version, applied_at FROM tb_confiture ORDER BY version");
console.log(rows.length);
await sql.end();
