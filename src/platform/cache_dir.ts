/**
 * The user's cache directory for Confiture: files that only make later runs faster and that
 * may vanish at any time (today, the data directory of a fresh embedded database). A machine
 * without one (no HOME, a read-only file system, no permission) just runs slower: every
 * function here answers "not cached" instead of failing.
 *
 * Location: `CONFITURE_CACHE_DIR`, else `$XDG_CACHE_HOME/confiture`, else
 * `~/.cache/confiture` (`%LOCALAPPDATA%\confiture` on Windows). `CONFITURE_CACHE_DIR=off`
 * turns the cache off.
 *
 * @module
 */
import { getEnv } from "./env.ts";

/** The cache directory, or undefined when there is none. */
export function cacheDir(): string | undefined {
  const explicit = getEnv("CONFITURE_CACHE_DIR");
  if (explicit) return explicit === "off" ? undefined : explicit.replace(/\/+$/, "");
  const xdg = getEnv("XDG_CACHE_HOME");
  if (xdg) return `${xdg.replace(/\/+$/, "")}/confiture`;
  const local = getEnv("LOCALAPPDATA");
  if (local) return `${local}\\confiture`;
  const home = getEnv("HOME");
  return home ? `${home.replace(/\/+$/, "")}/.cache/confiture` : undefined;
}

/** The bytes cached under `name`, or undefined. */
export async function readCached(name: string): Promise<Uint8Array | undefined> {
  const dir = cacheDir();
  if (!dir) return undefined;
  try {
    return await Deno.readFile(`${dir}/${name}`);
  } catch {
    return undefined;
  }
}

/**
 * Store `bytes` under `name`: written to a temporary file and renamed into place, so a reader
 * never sees half a file and two writers racing leave one whole copy. Whether it was stored.
 */
export async function writeCached(name: string, bytes: Uint8Array): Promise<boolean> {
  const dir = cacheDir();
  if (!dir) return false;
  const tmp = `${dir}/.${name}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${dir}/${name}`);
    return true;
  } catch {
    await Deno.remove(tmp).catch(() => {});
    return false;
  }
}

/** Forget what is cached under `name` (it turned out unusable). */
export async function dropCached(name: string): Promise<void> {
  const dir = cacheDir();
  if (dir) await Deno.remove(`${dir}/${name}`).catch(() => {});
}

/** Whether the cache directory can take a file now (it exists or can be made, and is writable). */
export async function cacheWritable(): Promise<boolean> {
  const dir = cacheDir();
  if (!dir) return false;
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = `${dir}/.probe.${crypto.randomUUID()}`;
    await Deno.writeFile(probe, new Uint8Array());
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}
