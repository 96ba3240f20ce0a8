/**
 * The guards a sync passes before it reads a row or writes anything: the target is not a
 * protected environment, and source and target are two databases, not one database reached
 * under two spellings (which would truncate the source).
 *
 * @module
 */
import type { Database } from "../db/database.ts";
import { databaseIdentity, isSameDatabase } from "../db/identity.ts";
import { ConfigError } from "../errors.ts";

/** How the two ends of a sync are named and guarded. */
export interface SyncEnds {
  /** The source environment's name, for messages (default: its label). */
  sourceName?: string;
  /** The target environment's name, for messages (default: its label). */
  targetName?: string;
  /** The target environment is protected: a sync into it is refused. */
  targetProtected?: boolean;
}

/**
 * Throw ConfigError (exit 5) when the target is protected (`SYNC_PROTECTED_TARGET`) or is the
 * source itself (`SAME_DATABASE`), asked of the servers rather than read from the URLs.
 */
export async function assertSyncEnds(source: Database, target: Database, ends: SyncEnds): Promise<void> {
  const to = ends.targetName ?? target.label;
  if (ends.targetProtected) {
    throw new ConfigError(`Refusing to sync into protected environment "${to}"`, {
      code: "SYNC_PROTECTED_TARGET",
      hint: "A protected environment is never a sync target; choose another --to",
    });
  }
  if (!(await isSameDatabase(source, target))) return;
  const from = ends.sourceName ?? source.label;
  const identity = await databaseIdentity(source);
  throw new ConfigError(
    `Refusing to sync: source "${from}" and target "${to}" are the same database ` +
      `(${identity.database}, reached as ${source.label} and ${target.label}); the load would empty the source`,
    {
      code: "SAME_DATABASE",
      hint: "Point --to at another database; two spellings of one server and database name are one database",
      details: {
        source: from,
        target: to,
        database: identity.database,
        database_oid: identity.database_oid,
        system_identifier: identity.system_identifier,
      },
    },
  );
}
