/**
 * The few git questions `confiture lint --changed-since` asks, through the `git` executable
 * (the repository's own view, ignores and renames included).
 *
 * @module
 */
import { UsageError } from "../errors.ts";

async function git(cwd: string, args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new UsageError(`Cannot run git: ${e instanceof Error ? e.message : String(e)}`, {
      hint: "--changed-since needs git on PATH",
    });
  }
  if (out.code !== 0) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new UsageError(`git ${args.join(" ")} failed: ${why}`, {
      hint: "--changed-since takes a ref git knows (a branch, tag or commit) in the project's repository",
    });
  }
  return new TextDecoder().decode(out.stdout);
}

/** The repository's top directory, absolute. */
export async function gitTopLevel(cwd: string): Promise<string> {
  return (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
}

/**
 * Files under `dir` that differ from `ref`: committed since, staged, edited in the work tree,
 * or new and not ignored. Absolute paths; deleted files are left out.
 */
export async function changedSince(cwd: string, ref: string, dir: string): Promise<string[]> {
  const top = await gitTopLevel(cwd);
  await git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  const changed = await git(top, ["diff", "--name-only", "--diff-filter=d", "-z", ref, "--", dir]);
  const untracked = await git(top, ["ls-files", "--others", "--exclude-standard", "-z", "--", dir]);
  const names = [...changed.split("\0"), ...untracked.split("\0")].filter((n) => n !== "");
  return [...new Set(names)].map((n) => `${top}/${n}`);
}
