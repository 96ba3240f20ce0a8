/**
 * BEGIN … COMMIT on one connection, for adapters whose sessions run transactions by hand.
 *
 * @module
 */
import type { Queryable } from "./database.ts";

/** Run `fn` between BEGIN and COMMIT on `q`; any throw rolls back and rethrows. */
export async function inTransaction<T>(q: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await q.exec("BEGIN");
  let result: T;
  try {
    result = await fn(q);
  } catch (e) {
    await q.exec("ROLLBACK").catch(() => {});
    throw e;
  }
  await q.exec("COMMIT");
  return result;
}
