/**
 * The order schema files are concatenated in: by path, one component at a time, comparing a
 * leading run of digits as a number, so `2_x.sql` comes before `10_x.sql` and `00_common/`
 * before `10_tables/`.
 *
 * @module
 */

const LEADING_DIGITS = /^\d+/;

/**
 * Compare two `/`-separated relative paths component by component.
 *
 * @example
 * ```ts
 * ["10_tables/a.sql", "2_types/b.sql"].sort(compareSchemaPaths); // ["2_types/b.sql", "10_tables/a.sql"]
 * ```
 */
export function compareSchemaPaths(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    // A folder sorts among files by its name alone; a folder and a file of the same name: folder first.
    const c = compareComponents(pa[i], pb[i]);
    if (c !== 0) return c;
    const aIsDir = i < pa.length - 1;
    const bIsDir = i < pb.length - 1;
    if (aIsDir !== bIsDir) return aIsDir ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Compare two path components: numeric prefixes by value, then the rest by code point. */
export function compareComponents(a: string, b: string): number {
  const da = LEADING_DIGITS.exec(a)?.[0];
  const db = LEADING_DIGITS.exec(b)?.[0];
  if (da !== undefined && db !== undefined) {
    const va = BigInt(da);
    const vb = BigInt(db);
    if (va !== vb) return va < vb ? -1 : 1;
    // `01_x` and `1_x`: fewer leading zeros first, so the order is total.
    if (da.length !== db.length) return da.length - db.length;
    return codePointCompare(a.slice(da.length), b.slice(db.length));
  }
  // Numbered names come before unnumbered ones, whatever the characters.
  if (da !== undefined) return -1;
  if (db !== undefined) return 1;
  return codePointCompare(a, b);
}

function codePointCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
