/**
 * What one locked run knows of the progress journal (`<tracking table>_progress`): whether the
 * table exists and which partial runs it holds. Read at most once per run, under the migration
 * lock, and kept current by the run itself (nobody else writes the journal while the lock is
 * held), so a file run outside a transaction needs no round trip to ask. The table is created
 * only when the first such file runs, in the same message as its first journal row.
 *
 * @module
 */
import type { Queryable } from "../db/database.ts";
import type { PartialRun, TrackingTable } from "./tracking_table.ts";

/** The journal as one run sees it. */
export class JournalState {
  #exists: boolean | undefined;
  #rows: PartialRun[] | undefined;

  /** `exists`: what {@link TrackingTable.locate} said, when the run has just asked; else unknown. */
  constructor(exists?: boolean) {
    this.#exists = exists;
    if (exists === false) this.#rows = [];
  }

  /** Whether the journal table is known to exist (false: it must be created before writing). */
  get exists(): boolean {
    return this.#exists === true;
  }

  /** The journal created (in the message that wrote its first row). */
  created(): void {
    this.#exists = true;
    this.#rows ??= [];
  }

  /** The partial run recorded for this version and direction, if any. */
  async find(q: Queryable, tracking: TrackingTable, version: string, direction: "up" | "down") {
    this.#exists ??= (await tracking.locate(q)).hasProgress;
    this.#rows ??= await tracking.partialRuns(q, this.#exists);
    return this.#rows.find((p) => p.version === version && p.direction === direction);
  }

  /** The run of this version finished: its journal row is gone. */
  forget(version: string, direction: "up" | "down"): void {
    this.#rows = this.#rows?.filter((p) => !(p.version === version && p.direction === direction));
  }
}
