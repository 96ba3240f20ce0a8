/**
 * The `lint:` section of an environment file. Owned by the lint medium; empty until it needs keys.
 *
 * @module
 */
import { obj } from "../validate.ts";

/** Validator for the `lint:` section. */
export const lintSection = obj({});

/** The validated `lint:` section. */
export type LintSection = NonNullable<ReturnType<typeof lintSection>>;
