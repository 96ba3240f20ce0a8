/**
 * Read a mapping file from disk: the one place schema-to-schema touches the file system for it.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { readTextIfExists } from "../platform/fs.ts";
import { type MappingFile, parseMappingFile } from "./mapping.ts";

/** Read and validate a mapping file; a missing file is a ConfigError naming it. */
export async function loadMappingFile(path: string, shownPath: string): Promise<MappingFile> {
  const text = await readTextIfExists(path);
  if (text === undefined) {
    throw new ConfigError(`Mapping file not found: ${shownPath}`, {
      code: "CONFIG_NOT_FOUND",
      file: shownPath,
      hint: "write one (see README, schema-to-schema) or pass --mapping",
    });
  }
  return parseMappingFile(text, shownPath);
}
