/**
 * Parsing a migrations folder ahead, on another thread, while `migrate up` opens its session,
 * checks for a pooler, takes the lock and reads the tracking table.
 *
 * Why: `up` parses every pending file before running any, and loading the parser (compiling
 * its WebAssembly) plus parsing 120 files cost the main thread ~80 ms of CPU that it spent
 * after the tracking read, while the database waited. Parsing on the same thread during the
 * setup's round trips made the setup slower by as much as it saved (docs/benchmarks.md). A
 * worker does the work on the other core; the main thread only decodes the trees it needs.
 *
 * The results are keyed by the text parsed, so a file that changed since the worker read it,
 * a script that is only part of a file (other tools' markers), a large or unparseable file
 * simply miss, and the main thread parses those itself (with its exact error messages).
 *
 * @module
 */

/** What the main thread sends the worker: the folder to read, then the paths it needs. */
export type ParseAheadRequest = { dir: string } | { want: string[] };

/** What the worker posts back: one parsed text, or the end of the work. */
export type ParseAheadReply = { sql: string; json: string } | { done: true };

interface Ahead {
  worker: Worker;
  results: Map<string, string>;
  waiting: Map<string, ((json: string | undefined) => void)[]>;
  /** The main thread named the files it needs (only those are delivered). */
  asked: boolean;
  done: boolean;
}

let ahead: Ahead | undefined;

/**
 * Start parsing the `.up.sql` files of `dir` (newest first) on a worker; {@link requestParsed}
 * says which trees to send. Dispose the result to stop the worker.
 */
export function parseAhead(dir: string): Disposable {
  stop();
  let worker: Worker;
  try {
    worker = new Worker(new URL("./parse_worker.ts", import.meta.url), { type: "module" });
  } catch {
    return { [Symbol.dispose]: () => {} };
  }
  const state: Ahead = { worker, results: new Map(), waiting: new Map(), asked: false, done: false };
  ahead = state;
  const finish = () => {
    state.done = true;
    for (const resolvers of state.waiting.values()) for (const r of resolvers) r(undefined);
    state.waiting.clear();
  };
  worker.onmessage = (e: MessageEvent<ParseAheadReply>) => {
    const reply = e.data;
    if ("done" in reply) return finish();
    const resolvers = state.waiting.get(reply.sql);
    if (resolvers) {
      state.waiting.delete(reply.sql);
      for (const r of resolvers) r(reply.json);
    } else state.results.set(reply.sql, reply.json);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    finish();
  };
  worker.postMessage({ dir } satisfies ParseAheadRequest);
  return {
    [Symbol.dispose]: () => {
      if (ahead === state) stop();
    },
  };
}

/**
 * Name the files whose trees the main thread needs (absolute paths in the folder given to
 * {@link parseAhead}); the worker sends those, parsing any it has not reached first, and
 * ends. Nothing is delivered before this call.
 */
export function requestParsed(paths: readonly string[]): void {
  const state = ahead;
  if (!state || state.asked) return;
  state.asked = true;
  state.worker.postMessage({ want: [...paths] } satisfies ParseAheadRequest);
}

/** True while a worker may still deliver trees (the main thread should not load the parser). */
export function parsingAhead(): boolean {
  return ahead !== undefined && (!ahead.done || ahead.results.size > 0);
}

/**
 * The worker's tree of `sql` as JSON text: at once when it arrived, when it arrives, or
 * undefined when the worker will not deliver it (then the caller parses it itself).
 */
export function takeParsed(sql: string): Promise<string | undefined> | undefined {
  const state = ahead;
  if (!state?.asked) return undefined;
  const json = state.results.get(sql);
  if (json !== undefined) {
    state.results.delete(sql);
    return Promise.resolve(json);
  }
  if (state.done) return undefined;
  return new Promise((resolve) => {
    const list = state.waiting.get(sql);
    if (list) list.push(resolve);
    else state.waiting.set(sql, [resolve]);
  });
}

function stop(): void {
  const state = ahead;
  if (!state) return;
  ahead = undefined;
  state.worker.terminate();
  state.done = true;
  for (const resolvers of state.waiting.values()) for (const r of resolvers) r(undefined);
  state.waiting.clear();
}
