/**
 * Counted nouns for messages: `count(1, "migration")` is "1 migration", `count(3, "migration")`
 * "3 migrations". One place, so no message says "1 migrations" or "1 column that look like".
 *
 * @module
 */

/** `n` and the noun, plural unless `n` is 1 (`many` for irregular plurals). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${grouped(n)} ${n === 1 ? one : many}`;
}

// What `toLocaleString("en-US")` gives for integers, without its first call's ~10 ms of
// locale data loading (the progress lines of `migrate up` count statements).
function grouped(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The verb agreeing with `n` subjects: `agree(1, "looks", "look")` is "looks". */
export function agree(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
