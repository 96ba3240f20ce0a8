/**
 * A fresh embedded cluster without initdb. Creating an in-memory PGlite database runs initdb
 * inside WASM (1.7–3 s here); restoring the data directory of a fresh one takes ~0.5 s. The
 * first in-memory database a machine creates is dumped right after initdb, before anyone
 * writes to it, and kept in the user's cache (src/platform/cache_dir.ts), keyed by the PGlite
 * version, whose PostgreSQL decides the data directory's format; later ones, in this process
 * or another, start from it. check-schema, verify-reversible, migrate diff and drift open two
 * or three such databases per run.
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import { cacheWritable, dropCached, readCached, writeCached } from "../platform/cache_dir.ts";

/** The PGlite version pinned in deno.json (checked by the test): the cache key. */
export const PGLITE_VERSION = "0.5.16";

const NAME = `pglite-${PGLITE_VERSION}-fresh.tar.gz`;

let memo: Promise<Blob | undefined> | undefined;

/** The data directory of a fresh cluster, when one was kept. */
export function freshTemplate(): Promise<Blob | undefined> {
  memo ??= readCached(NAME).then((bytes) => bytes && bytes.length > 0 ? new Blob([bytes as BlobPart]) : undefined);
  return memo;
}

/** Keep `pg`'s data directory as the template; `pg` must be fresh from initdb, untouched. */
export async function keepTemplate(pg: PGlite): Promise<void> {
  if (!(await cacheWritable())) return;
  try {
    const blob = await pg.dumpDataDir("gzip");
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (await writeCached(NAME, bytes)) memo = Promise.resolve(new Blob([bytes as BlobPart]));
  } catch {
    // a cache that cannot be filled only means the next database runs initdb too
  }
}

/** The template did not start a cluster: forget it, so the next one is made afresh. */
export async function dropTemplate(): Promise<void> {
  memo = Promise.resolve(undefined);
  await dropCached(NAME);
}
