/**
 * Where build, diff and the CLI find which extensions a schema or a migrations folder creates:
 * the scan lives in `src/sql/extensions.ts`, the folder reader in `src/migrate/extensions.ts`
 * (the Migrator needs it too, and migrate must not import build).
 *
 * @module
 */
export { extensionsCreatedBy } from "../sql/extensions.ts";
export { extensionsCreatedByMigrations } from "../migrate/extensions.ts";
