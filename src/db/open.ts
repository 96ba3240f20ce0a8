/**
 * Open any target through the right adapter. PGlite is imported only when a `pglite:` target
 * is opened, so server commands start fast.
 *
 * @module
 */
import type { Database } from "./database.ts";
import type { DatabaseTarget } from "./url.ts";

/** Options for {@link openDatabase}. */
export interface OpenOptions {
  /** Server pool size (ignored by PGlite). */
  max?: number;
  onNotice?: (message: string) => void;
  /**
   * Server only: how many pool connections to open at once before returning (default 1), for a
   * caller that knows it will hold that many sessions.
   */
  connections?: number;
  /** PGlite only: the `CREATE EXTENSION` names the SQL about to run needs loaded (ignored by servers). */
  extensions?: readonly string[];
}

/** Open a database for the target; connection failures throw ConnectionError (exit 3). */
export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  if (target.kind === "pglite") {
    if (target.dataDir) await ensureDir(target.dataDir);
    const { openPglite } = await import("./pglite.ts");
    return openPglite(target, options);
  }
  const { openServer } = await import("./server.ts");
  return openServer(target, options);
}

async function ensureDir(dir: string): Promise<void> {
  const { ensureDirectory } = await import("../platform/fs.ts");
  await ensureDirectory(dir);
}
