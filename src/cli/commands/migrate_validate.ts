/**
 * `confiture migrate validate`: offline checks of the migrations folder; with a configured
 * database, also the checksums of applied migrations.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import { EXIT } from "../../errors.ts";
import { Migrator } from "../../migrate/migrator.ts";
import { FOLDER_ERROR_CODES, validateMigrations, type ValidationIssue } from "../../migrate/validate.ts";
import { relative } from "../../platform/path.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

/** Build the `migrate validate` command. */
export function migrateValidateCommand(): Command {
  const cmd = new Command("validate")
    .description(
      "check migration files offline (names, duplicates, down files, SQL syntax); with a database, checksums too",
    )
    .option("--offline", "never connect, even when a database is configured");
  withFormatOption(withEnvOptions(cmd)).action(async (opts, command) => {
    const ctx = new CommandContext(command);
    const env = await ctx.environment({ offline: true });
    const shown = relative(env.projectDir, env.migrationsDir);
    const result = await validateMigrations(env.migrationsDir, shown.startsWith("..") ? env.migrationsDir : shown);
    const connect = !opts.offline && env.urlSource !== undefined &&
      result.issues.every((i) => !FOLDER_ERROR_CODES.has(i.code));
    let checksums: { checked: number } | undefined;
    if (connect) {
      await using m = await Migrator.fromEnvironment(env, { onEvent: (e) => ctx.out.event(e) });
      const v = await m.verify();
      checksums = { checked: v.checked };
      for (const i of v.issues) {
        // An edited down file blocks only a rollback through it.
        const down = i.kind === "modified" && i.part === "down";
        result.issues.push({
          severity: down ? "warning" : "error",
          code: i.kind === "modified" ? down ? "DOWN_CHECKSUM_MISMATCH" : "CHECKSUM_MISMATCH" : "APPLIED_FILE_MISSING",
          message: i.kind === "modified"
            ? `${i.file} was edited after it was applied (stored ${i.stored}, now ${i.actual})${
              down ? "; a rollback through it is refused until `confiture migrate verify --accept`" : ""
            }`
            : `${i.file} is applied but its file is missing`,
          file: i.file,
          line: null,
          column: null,
        });
      }
      result.ok = !result.issues.some((i) => i.severity === "error");
    }
    const payload = { ...result, checksums_checked: checksums?.checked ?? null };
    ctx.out.result(payload, () => render(result.issues, result.migrations, checksums?.checked));
    ctx.setExitCode(result.ok ? EXIT.ok : EXIT.config);
  });
  return cmd as unknown as Command;
}

function render(issues: ValidationIssue[], total: number, checked?: number): string {
  const lines = issues.map((i) => {
    const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ""}` : ""}: ` : "";
    return `${i.severity}: ${i.message.startsWith(i.file ?? "\0") ? i.message : where + i.message}`;
  });
  const errors = issues.filter((i) => i.severity === "error").length;
  lines.push(
    `${count(total, "migration")} checked${checked !== undefined ? `, ${count(checked, "checksum")} verified` : ""}: ${
      count(errors, "error")
    }, ${count(issues.length - errors, "warning")}.`,
  );
  return lines.join("\n");
}
