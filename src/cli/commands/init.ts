/**
 * `confiture init [DIR]`: scaffold a project that builds, migrates and seeds out of the box.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { existingScaffoldFiles, scaffoldProject } from "../../build/scaffold.ts";
import { UsageError } from "../../errors.ts";
import { pathKind } from "../../platform/fs.ts";
import { resolve } from "../../platform/path.ts";
import { agree, count } from "../../plural.ts";
import { confirm } from "../../platform/stdio.ts";
import { CommandContext, withFormatOption } from "../context.ts";

/** Build the `init` command. */
export function initCommand(): Command {
  const cmd = new Command("init")
    .description("create db/environments/local.yaml, db/schema/, db/migrations/ and db/seeds/")
    .argument("[dir]", "project directory", ".")
    .option("-y, --yes", "overwrite existing scaffold files without asking");
  withFormatOption(cmd).action(async (dir, opts, command) => {
    const ctx = new CommandContext(command);
    const root = resolve(dir);
    const kind = await pathKind(root);
    if (kind !== "directory" && kind !== "missing") {
      throw new UsageError(`${dir} exists and is not a directory; init needs a directory to create the project in`, {
        hint: "Name a new or existing directory, e.g. `confiture init my_project`",
      });
    }
    const existing = await existingScaffoldFiles(root);
    let overwrite = Boolean(opts.yes);
    if (existing.length > 0 && !overwrite) {
      // confirm() answers no at once when stdin is not a terminal: existing files are kept.
      overwrite = await confirm(
        `${count(existing.length, "file")} already ${agree(existing.length, "exists", "exist")} (${
          existing.join(", ")
        }). Overwrite them?`,
      );
      if (!overwrite) ctx.out.info("Keeping the existing files.");
    }
    const result = await scaffoldProject(root, { overwrite });
    ctx.out.result({ ok: true, directory: root, ...result }, () => {
      const lines = [
        ...result.created.map((f) => `  created      ${f}`),
        ...result.overwritten.map((f) => `  overwritten  ${f}`),
        ...result.kept.map((f) => `  kept         ${f}`),
      ];
      return [
        `Initialised a Confiture project in ${root}:`,
        ...lines,
        "",
        "Next: `confiture build --apply` (embedded database in .confiture/local), then `confiture migrate status`.",
      ].join("\n");
    });
  });
  return cmd as unknown as Command;
}
