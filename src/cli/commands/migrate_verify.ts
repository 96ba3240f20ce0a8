/**
 * `confiture migrate verify`: compare applied migrations with their files' checksums.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import { CommandContext, setExitCode, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate verify` command. */
export function migrateVerifyCommand(): Command {
  const cmd = new Command("verify").description("report applied migrations whose files were edited or removed");
  withFormatOption(withEnvOptions(cmd)).action(async (_opts, command) => {
    const ctx = new CommandContext(command);
    await using m = await ctx.migrator();
    const r = await m.verify();
    ctx.out.result(
      r,
      () =>
        r.ok
          ? `All ${r.checked} applied migration(s) match their files.`
          : r.issues.map((i) =>
            i.kind === "missing"
              ? `missing   ${i.file} (applied, file removed)`
              : `modified  ${i.file}\n          stored ${i.stored}\n          now    ${i.actual}`
          ).join("\n"),
    );
    setExitCode(r.ok ? EXIT.ok : EXIT.failure);
  });
  return cmd as unknown as Command;
}
