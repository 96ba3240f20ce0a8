/**
 * The guard every writing phase passes first: the source and the target must be two
 * databases. Two spellings of one database (`127.0.0.1` and `localhost`, a URL and a
 * `key=value` string, a unix socket and TCP) are caught by asking the servers, not by
 * comparing the text.
 *
 * @module
 */
import type { Database } from "../db/database.ts";
import { databaseIdentity, isSameDatabase } from "../db/identity.ts";
import { ConfigError } from "../errors.ts";

/** The two ends of a copy. */
export interface Endpoints {
  source: Database;
  target: Database;
}

// One probe per pair of open databases: the answer cannot change while both stay open.
const checked = new WeakMap<Database, WeakSet<Database>>();

/**
 * Throw a ConfigError (exit 5) naming both ends when they reach the same database; nothing
 * has been written when it throws.
 */
export async function assertDistinctEnds(ends: Endpoints): Promise<void> {
  const { source, target } = ends;
  if (checked.get(source)?.has(target)) return;
  const same = await isSameDatabase(source, target);
  if (same) {
    const id = await databaseIdentity(target).catch(() => undefined);
    throw new ConfigError(
      `The source ${source.label} and the target ${target.label} are the same database` +
        (id ? ` ("${id.database}", oid ${id.database_oid})` : ""),
      {
        code: "S2S_SAME_DATABASE",
        hint: "point --source and --target at two different databases; schema-to-schema copies between databases",
        details: { source: source.label, target: target.label, identity: id ?? null },
      },
    );
  }
  let set = checked.get(source);
  if (!set) checked.set(source, set = new WeakSet());
  set.add(target);
}
