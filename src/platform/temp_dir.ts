/**
 * A temporary directory, removed on dispose: the diff proof replays its files from one.
 *
 * @module
 */

/** A directory that is removed (with its contents) on dispose. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/** Create a temporary directory. */
export async function makeTempDir(prefix = "confiture_"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}

/** Copy one file. */
export async function copyFile(from: string, to: string): Promise<void> {
  await Deno.copyFile(from, to);
}
