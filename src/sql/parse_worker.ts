/**
 * The worker behind `parse_ahead.ts`: it reads the up files of a migrations folder, newest
 * first, and parses each with libpg_query while the main thread waits for the database. When
 * the main thread names the files it needs, the worker posts their trees as JSON text (parsing
 * those it has not reached first), then ends: the other files' trees never cross threads.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { loadPgQuery, type PgQuery } from "./pg_query.ts";
import { PIECE_CHARS } from "./parser.ts";
import { listDir, readTextSync } from "../platform/fs.ts";
import type { ParseAheadReply, ParseAheadRequest } from "./parse_ahead.ts";

// Parsed files by path; null when the main thread must parse the file itself.
const parsed = new Map<string, { sql: string; json: string } | null>();
let queue: string[] = [];
let requested: string[] | undefined;
let wanted: string[] | undefined;
let listed = false;
let finished = false; // nothing more will be parsed
let closed = false;

self.onmessage = (e: MessageEvent<ParseAheadRequest>) => {
  const request = e.data;
  if ("dir" in request) run(request.dir);
  else {
    requested = request.want;
    arrange();
  }
};

// Once the folder is listed and the main thread has named its files: paths outside the
// folder's up files (another tool's marked files) are never parsed here, and the files still
// needed go first.
function arrange(): void {
  if (!requested || !listed) return;
  const rest = new Set(queue);
  wanted = requested.filter((p) => rest.has(p) || parsed.has(p));
  requested = undefined;
  const asked = new Set(wanted);
  queue = [...wanted.filter((p) => rest.has(p)), ...queue.filter((p) => !asked.has(p))];
  serve();
}

async function run(dir: string): Promise<void> {
  try {
    queue = ((await listDir(dir)) ?? []).filter((d) => d.isFile && /\.up\.sql$/i.test(d.name))
      .map((d) => `${dir}/${d.name}`).sort().reverse();
    listed = true;
    arrange();
    if (queue.length === 0) return;
    const pg = await loadPgQuery();
    while (queue.length > 0 && !closed) {
      const path = queue.shift()!;
      parsed.set(path, parseFile(pg, path));
      serve();
      // Let a message of the main thread in between files (a macrotask, never clamped).
      await nextTurn();
    }
  } catch {
    // Whatever was not delivered, the main thread parses itself.
  } finally {
    [listed, finished] = [true, true];
    arrange();
    serve();
  }
}

function parseFile(pg: PgQuery, path: string): { sql: string; json: string } | null {
  try {
    const sql = readTextSync(path);
    // Large scripts are parsed in pieces by the main thread; a text that fails to parse is
    // parsed there again, so its error names the file and position.
    if (sql.length > PIECE_CHARS || !/\S/.test(sql)) return null;
    return { sql, json: pg.parseJson(sql) };
  } catch {
    return null;
  }
}

// Post what the main thread asked for and has been parsed; end once nothing more will come.
function serve(): void {
  if (!wanted || closed) return;
  wanted = wanted.filter((path) => {
    if (!parsed.has(path)) return !finished;
    const result = parsed.get(path);
    if (result) self.postMessage(result satisfies ParseAheadReply);
    parsed.delete(path);
    return false;
  });
  if (wanted.length === 0) {
    closed = true;
    self.postMessage({ done: true } satisfies ParseAheadReply);
    self.close();
  }
}

const channel = new MessageChannel();
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}
