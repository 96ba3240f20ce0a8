/**
 * The `build:` section of an environment file. Owned by the build medium; empty until it needs keys.
 *
 * @module
 */
import { obj } from "../validate.ts";

/** Validator for the `build:` section. */
export const buildSection = obj({});

/** The validated `build:` section. */
export type BuildSection = NonNullable<ReturnType<typeof buildSection>>;
