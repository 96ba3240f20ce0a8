/**
 * The `sync:` section of an environment file. Owned by the sync medium; empty until it needs keys.
 *
 * @module
 */
import { obj } from "../validate.ts";

/** Validator for the `sync:` section. */
export const syncSection = obj({});

/** The validated `sync:` section. */
export type SyncSection = NonNullable<ReturnType<typeof syncSection>>;
