/**
 * The environments a project has (`db/environments/*.yaml`), for the hint of an unknown
 * `--env NAME`.
 *
 * @module
 */
import { listDir } from "../platform/fs.ts";
import { resolve } from "../platform/path.ts";

/** Names of the `db/environments/*.yaml` (and `.yml`) files under `projectDir`, sorted. */
export async function environmentNames(projectDir: string): Promise<string[]> {
  const entries = await listDir(resolve("db/environments", projectDir)) ?? [];
  return entries
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => e.name.replace(/\.ya?ml$/, ""))
    .sort();
}

/** The hint for `--env NAME` with no such file: the environments that exist, or how to make one. */
export async function unknownEnvironmentHint(projectDir: string): Promise<string> {
  const names = await environmentNames(projectDir);
  return names.length === 0
    ? "No environment files in db/environments/: create one with `confiture init`, or pass --database-url"
    : `Environments in db/environments/: ${names.join(", ")} (pass one with --env NAME)`;
}
