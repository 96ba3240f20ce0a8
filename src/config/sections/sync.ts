/**
 * The `sync:` section of an environment file, read from the `--from` environment: defaults for
 * `confiture sync` that belong to the source database.
 *
 * ```yaml
 * sync:
 *   profile: db/anonymization.yaml   # the anonymization profile (this is the default)
 *   schemas: [public, app]           # schemas to copy (default: every user schema)
 *   exclude: ["audit_*"]             # table globs never copied
 * ```
 *
 * @module
 */
import { list, obj, type Spec, str } from "../validate.ts";

/** The validated `sync:` section. */
export interface SyncSection {
  profile: string | undefined;
  schemas: string[] | undefined;
  exclude: string[] | undefined;
}

/** Validator for the `sync:` section. */
export const syncSection: Spec<SyncSection> = obj({
  profile: str({ nonEmpty: true }),
  schemas: list(str({ nonEmpty: true }), { acceptScalar: true }),
  exclude: list(str({ nonEmpty: true }), { acceptScalar: true }),
});
