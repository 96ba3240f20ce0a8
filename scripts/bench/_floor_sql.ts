/**
 * The postgres.js pool the floor scripts open: what a minimal Deno program on this stack uses.
 *
 * @module
 */
import postgres from "postgres";

/** A one-connection-at-a-time pool on `url` (`postgres://user@host:port/db`), unprepared. */
export function floorSql(url: URL): postgres.Sql {
  return postgres({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    database: url.pathname.slice(1),
    prepare: false,
  });
}
