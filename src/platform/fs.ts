/**
 * File-system adapter: the only place the core touches `Deno.*` for files.
 *
 * @module
 */

/** Read a UTF-8 text file; `undefined` when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Read a UTF-8 text file. */
export function readText(path: string): Promise<string> {
  return Deno.readTextFile(path);
}

/** Read a small file's bytes synchronously. */
export function readBytesSync(path: string): Uint8Array {
  return Deno.readFileSync(path);
}

/** Read a small UTF-8 text file synchronously (a quarter of the cost of an async read). */
export function readTextSync(path: string): string {
  return Deno.readTextFileSync(path);
}

/** Write a UTF-8 text file, creating parent directories. */
export async function writeText(path: string, content: string, options: { createNew?: boolean } = {}): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await ensureDirectory(path.slice(0, slash));
  await Deno.writeTextFile(path, content, { createNew: options.createNew });
}

/** Create a directory and its parents if missing. */
export async function ensureDirectory(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
}

/** A directory entry. */
export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink?: boolean;
}

/** List a directory; `undefined` when it does not exist. */
export async function listDir(path: string): Promise<DirEntry[] | undefined> {
  try {
    const out: DirEntry[] = [];
    for await (const e of Deno.readDir(path)) {
      out.push({ name: e.name, isFile: e.isFile, isDirectory: e.isDirectory, isSymlink: e.isSymlink });
    }
    return out;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** What a path is once symbolic links are followed: `missing` for a dangling link, `loop` for a cycle. */
export async function pathKind(path: string): Promise<"file" | "directory" | "other" | "missing" | "loop"> {
  try {
    const s = await Deno.stat(path);
    return s.isFile ? "file" : s.isDirectory ? "directory" : "other";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "missing";
    if (e instanceof Deno.errors.FilesystemLoop || /ELOOP|too many levels/i.test(String(e))) return "loop";
    throw e;
  }
}

/** Whether a path exists. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Remove a file or directory tree; missing is fine. */
export async function removePath(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** The current working directory. */
export function cwd(): string {
  return Deno.cwd();
}

/** Read a file's raw bytes. */
export function readBytes(path: string): Promise<Uint8Array> {
  return Deno.readFile(path);
}

/** A held file lock; `release()` is idempotent. */
export interface FileLock {
  release(): void;
}

/**
 * Take an exclusive advisory lock (flock) on `path`, creating the file if needed. Resolves
 * undefined when another process still holds it after `timeoutMs`. The lock goes with the
 * process, so a killed holder never leaves a stale one. After a timeout the abandoned request
 * stays pending until the holder lets go; the CLI exits first.
 */
export async function lockFile(path: string, timeoutMs: number): Promise<FileLock | undefined> {
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const locked = file.lock(true).then(() => true);
  const got = await Promise.race([locked, expired]);
  clearTimeout(timer);
  if (!got) {
    // Let go of the file once the abandoned request is granted.
    locked.then(() => file.close(), () => file.close());
    return undefined;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.close();
    },
  };
}
