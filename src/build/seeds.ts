/**
 * Seed files for an environment: `<seeds_dir>/common/**` then `<seeds_dir>/<env>/**`, each
 * group in build order.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { readText } from "../platform/fs.ts";
import type { SeedFile } from "./apply_seeds.ts";
import { discoverSchemaFiles } from "./discover.ts";

/** Read the seed files that apply to `env`, in the order they run. */
export async function discoverSeeds(env: Environment): Promise<SeedFile[]> {
  const out: SeedFile[] = [];
  for (const group of ["common", env.name]) {
    if (group === "common" && env.name === "common") continue;
    const files = await discoverSchemaFiles({
      includeDirs: [`${env.seedsDir}/${group}`],
      projectDir: env.projectDir,
      allowEmpty: true,
    });
    for (const f of files) out.push({ relativePath: f.relativePath, content: await readText(f.path) });
  }
  return out;
}
