/**
 * `confiture migrate check-schema`: build db/schema/ and replay the migrations into two
 * scratch databases and compare their catalogs; exit 1 on drift.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { checkSchema } from "../../build/check_schema.ts";
import { shownPath } from "../../build/build.ts";
import { formatCatalogDiff } from "../../catalog/diff.ts";
import { EXIT } from "../../errors.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { count } from "../../plural.ts";

/** Build the `migrate check-schema` command. */
export function migrateCheckSchemaCommand(): Command {
  const cmd = new Command("check-schema")
    .description("prove db/schema/ and the migrations build the same database (exit 1 on drift)")
    .option("--against <url>", "use two scratch databases on this server instead of embedded PGlite")
    .option("--column-order", "also report columns whose position differs");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment({ offline: true });
    const result = await checkSchema(env, {
      against: opts.against,
      columnOrder: opts.columnOrder,
      onEvent: (e) => ctx.out.event(e),
    });
    if (!result.ok) ctx.setExitCode(EXIT.failure);
    const ddl = env.includeDirs.map((d) => shownPath(d, env.projectDir)).join(", ");
    const migrations = shownPath(env.migrationsDir, env.projectDir);
    ctx.out.result(
      {
        ok: result.ok,
        engine: result.engine,
        schema_files: result.schemaFiles,
        migrations: result.migrations,
        differences: result.differences,
      },
      () =>
        result.ok
          ? `No drift: ${ddl} (${plural(result.schemaFiles, "file")}) and ${migrations} (${
            plural(result.migrations, "migration")
          }) build the same schema.`
          : `Drift between ${ddl} and ${migrations} (${count(result.differences.length, "difference")}):\n\n${
            formatCatalogDiff(result.differences, { expected: ddl, actual: migrations })
          }`,
    );
  });
  return cmd as unknown as Command;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
