/**
 * The `build:` section of an environment file: what `confiture build` leaves out and where it
 * writes.
 *
 * @module
 */
import { list, obj, type Spec, str, withDefault } from "../validate.ts";

/** The validated `build:` section. */
export interface BuildSection {
  exclude: string[];
  output: string | undefined;
}

/** Validator for the `build:` section. */
export const buildSection: Spec<BuildSection> = obj({
  /** Globs of schema files or folders to leave out (`**\/*_draft.sql`, `db/schema/99_scratch`). */
  exclude: withDefault(list(str({ nonEmpty: true }), { acceptScalar: true }), [] as string[]),
  /** Output file, relative to the project (default `db/generated/schema_<env>.sql`). */
  output: str({ nonEmpty: true }),
});
