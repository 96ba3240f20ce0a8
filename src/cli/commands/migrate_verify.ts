/**
 * `confiture migrate verify`: compare applied migrations with their files' checksums; with
 * `--accept`, record the edited files' new checksums.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import type { ChecksumIssue } from "../../migrate/migrator.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate verify` command. */
export function migrateVerifyCommand(): Command {
  const cmd = new Command("verify")
    .description("report applied migrations whose files were edited or removed")
    .option(
      "--accept",
      "record the edited files' current checksums (under the migration lock, in one transaction)",
    );
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    await using m = await ctx.migrator();
    const r = await m.verify({ accept: opts.accept === true });
    ctx.out.result(r, () => {
      const lines = (r.accepted ?? []).map((i) => `accepted  ${i.file} (now ${i.actual})`);
      if (r.ok && lines.length === 0) {
        return `${r.checked === 1 ? "The" : "All"} ${count(r.checked, "applied migration")} ${
          r.checked === 1 ? "matches its file" : "match their files"
        }.`;
      }
      lines.push(...r.issues.map(describe));
      return lines.join("\n");
    });
    ctx.setExitCode(r.ok ? EXIT.ok : EXIT.failure);
  });
  return cmd as unknown as Command;
}

function describe(i: ChecksumIssue): string {
  if (i.kind === "missing") return `missing   ${i.file} (applied, file removed)`;
  const then = i.part === "down"
    ? "blocks a rollback through it; record it with --accept once it undoes its up file"
    : "revert it, or record it with --accept if the edit changes nothing that ran";
  return `modified  ${i.file} (${then})\n          stored ${i.stored}\n          now    ${i.actual}`;
}
