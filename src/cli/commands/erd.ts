/**
 * `confiture erd`: draw `db/schema/` (built on embedded PGlite, or `--against` a server) as a
 * Mermaid `erDiagram` on stdout, or into a Markdown file GitHub renders as is.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { drawSchemaErd } from "../../erd/draw.ts";
import { resolve } from "../../platform/path.ts";
import { writeText } from "../../platform/fs.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";
import { count } from "../../plural.ts";

/** Build the `erd` command. */
export function erdCommand(): Command {
  const cmd = new Command("erd")
    .description("draw db/schema/ as a Mermaid erDiagram (tables, key columns, one line per foreign key)")
    .option("-o, --output <file>", "write a Markdown file with the diagram in a mermaid block instead of stdout")
    .option("--all-columns", "show every column, not only primary, foreign and unique keys")
    .option("--schema <name...>", "only these schemas")
    .option("--against <url>", "build on a temporary database of this server instead of embedded PGlite");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment({ offline: true });
    const result = await drawSchemaErd(env, {
      against: opts.against,
      allColumns: opts.allColumns,
      schemas: opts.schema,
    });
    if (opts.output) {
      const path = resolve(opts.output);
      await writeText(path, `# Schema of ${env.name}\n\n\`\`\`mermaid\n${result.mermaid}\`\`\`\n`);
      ctx.out.result(
        { ok: true, output: opts.output, tables: result.tables, relationships: result.relationships },
        () => `Wrote ${opts.output}: ${count(result.tables, "table")}, ${count(result.relationships, "relationship")}.`,
      );
      return;
    }
    ctx.out.result(
      {
        ok: true,
        mermaid: result.mermaid,
        schema_files: result.schema_files,
        tables: result.tables,
        relationships: result.relationships,
      },
      () => result.mermaid.trimEnd(),
    );
  });
  return cmd as unknown as Command;
}
