// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * The floor for `migrate status` under `deno run`: the least a Deno program can do to answer
 * the same question (start, import the driver, connect, read the tracking table, print, exit).
 *
 * Run: `deno run -A scripts/bench/_status_floor.ts postgres://…`
 */
import postgres from "postgres";

const url = new URL(Deno.args[0]);
const sql = postgres({
  host: url.hostname,
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username),
  database: url.pathname.slice(1),
  prepare: false,
});
const rows = await sql.unsafe("SELECT version, applied_at FROM tb_confiture ORDER BY version");
console.log(rows.length);
await sql.end();
