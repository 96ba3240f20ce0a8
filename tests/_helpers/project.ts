/**
 * Temporary Confiture projects on disk for CLI and integration tests.
 *
 * @module
 */

/** A temporary project directory, removed on dispose. */
export interface TempProject extends AsyncDisposable {
  dir: string;
  /** Write a file relative to the project root (parents created). */
  write(path: string, content: string): Promise<void>;
  /** Read a file relative to the project root. */
  read(path: string): Promise<string>;
}

/** Create a temporary project with the given files (path → content). */
export async function tempProject(files: Record<string, string> = {}): Promise<TempProject> {
  const dir = await Deno.makeTempDir({ prefix: "confiture_test_" });
  const write = async (path: string, content: string) => {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, content);
  };
  for (const [p, c] of Object.entries(files)) await write(p, c);
  return {
    dir,
    write,
    read: (path) => Deno.readTextFile(`${dir}/${path}`),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
