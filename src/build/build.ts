/**
 * `confiture build`: turn an environment's schema folders into one script, write it, or check
 * that the written one is current.
 *
 * @module
 */
import type { Environment } from "../config/environment.ts";
import { readText, readTextIfExists, writeText } from "../platform/fs.ts";
import { relative, resolve } from "../platform/path.ts";
import { type AssembledSchema, assembleSchema, readHeaderHash } from "./assemble.ts";
import { discoverSchemaFiles } from "./discover.ts";

/** A built schema, in memory. */
export interface SchemaBuild extends AssembledSchema {
  environment: string;
  /** Project-relative paths of the files included, in build order. */
  files: string[];
  /** Each file's text by relative path (for mapping error positions back). */
  sources: Map<string, string>;
}

/** The default output file: `db/generated/schema_<env>.sql`, or `build.output` from the environment file. */
export function defaultOutputPath(env: Environment): string {
  return resolve(env.file.build.output ?? `db/generated/schema_${env.name}.sql`, env.projectDir);
}

/**
 * Read and assemble the environment's schema files. Throws SchemaError (exit 4) when there are
 * none or one ends inside an unclosed comment or string.
 */
export async function buildSchema(env: Environment): Promise<SchemaBuild> {
  const found = await discoverSchemaFiles({
    includeDirs: env.includeDirs,
    exclude: [...env.excludeDirs, ...env.file.build.exclude],
    projectDir: env.projectDir,
  });
  const sources = new Map<string, string>();
  const files = await Promise.all(found.map(async (f) => ({
    relativePath: f.relativePath,
    content: normalizeText(await readText(f.path)),
  })));
  for (const f of files) sources.set(f.relativePath, f.content);
  const assembled = assembleSchema(files, env.name);
  return { ...assembled, environment: env.name, files: files.map((f) => f.relativePath), sources };
}

/** Write the build to `path` (parents created). */
export async function writeSchemaBuild(build: SchemaBuild, path: string): Promise<void> {
  await writeText(path, build.text);
}

/** Whether the file at `path` is exactly what the build would write, and why not. */
export async function checkSchemaBuild(
  build: SchemaBuild,
  path: string,
): Promise<{ upToDate: boolean; reason?: string; writtenHash?: string }> {
  const written = await readTextIfExists(path);
  if (written === undefined) return { upToDate: false, reason: "the output file does not exist" };
  if (written === build.text) return { upToDate: true, writtenHash: build.hash };
  const writtenHash = readHeaderHash(written);
  return {
    upToDate: false,
    writtenHash,
    reason: writtenHash && writtenHash !== build.hash
      ? "the schema files changed since it was built"
      : "its content differs from a fresh build",
  };
}

/** A path for messages: relative to the project when inside it. */
export function shownPath(path: string, projectDir: string): string {
  const rel = relative(projectDir, path);
  return rel.startsWith("..") ? path : rel;
}

// A BOM or CRLF line endings (a Windows checkout) must not change the build or its hash.
function normalizeText(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, "\n");
}
