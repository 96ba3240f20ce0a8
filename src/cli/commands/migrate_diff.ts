/**
 * `confiture migrate diff NAME`: write the next migration(s) from the difference between
 * `db/schema/` and the migration chain, proven on a scratch database before anything is written.
 *
 * @module
 */
import { count } from "../../plural.ts";
import { Command } from "@commander-js/extra-typings";
import { formatCatalogDiff } from "../../catalog/diff.ts";
import { migrateDiff, type MigrateDiffResult } from "../../diff/migrate_diff.ts";
import { HAZARD_KINDS, type HazardKind } from "../../diff/types.ts";
import { EXIT, UsageError } from "../../errors.ts";
import { CommandContext, withEnvOptions, withFormatOption } from "../context.ts";

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((x) => x.trim()).filter(Boolean)];

/** Build the `migrate diff` command. */
export function migrateDiffCommand(): Command {
  const cmd = new Command("diff")
    .description("write the next migration(s) from db/schema/ vs the migrations, proven before writing")
    .argument("<name>", "snake_case name, e.g. add_avatar_url")
    .option("--against <url>", "use scratch databases on this server instead of embedded PGlite")
    .option(
      "--allow-hazard <kind>",
      `write changes with this hazard: ${HAZARD_KINDS.join(", ")} (repeatable)`,
      collect,
    )
    .option(
      "--rename <from=to>",
      "turn a drop+add into RENAME: table.old_column=new or old_table=new (repeatable)",
      collect,
    )
    .option("--dry-run", "prove and print the migrations; write nothing")
    .option("--check", "exit 1 when a migration would be written; write nothing (CI)");
  withFormatOption(withEnvOptions(cmd)).action(async (name, opts, command) => {
    const ctx = new CommandContext(command);
    const unknown = (opts.allowHazard ?? []).filter((k) => !HAZARD_KINDS.includes(k as HazardKind));
    if (unknown.length) {
      throw new UsageError(`Unknown hazard kinds in --allow-hazard: ${unknown.join(", ")}`, {
        hint: `Use one of: ${HAZARD_KINDS.join(", ")}`,
      });
    }
    const env = await ctx.environment({ offline: true });
    const result = await migrateDiff(env, {
      name,
      against: opts.against,
      allowHazards: opts.allowHazard as HazardKind[] | undefined,
      renames: opts.rename,
      dryRun: opts.dryRun,
      check: opts.check,
      onEvent: (e) => ctx.out.event(e),
    });
    ctx.setExitCode(result.ok ? EXIT.ok : EXIT.failure);
    ctx.out.result(result, () => renderDiff(result));
  });
  return cmd as unknown as Command;
}

/** The human rendering of a diff result. */
export function renderDiff(r: MigrateDiffResult): string {
  const lines: string[] = [];
  const files = () => {
    for (const m of r.migrations) lines.push(`-- ${m.up_file}`, m.up, `-- ${m.down_file}`, m.down);
  };
  switch (r.status) {
    case "no-changes":
      return "No changes: db/schema/ and the migrations describe the same schema.";
    case "written":
      return `Wrote ${r.migrations.length} migration(s):\n${
        r.migrations.map((m) => `  ${m.up_file}\n  ${m.down_file}`).join("\n")
      }` +
        hazardsNote(r);
    case "dry-run":
      lines.push(`Dry run: ${count(r.migrations.length, "migration")} would be written (proven on ${r.engine}).`, "");
      files();
      return lines.join("\n") + hazardsNote(r);
    case "check":
      return `${count(r.migrations.length, "migration")} would be written: ${
        r.migrations.map((m) => `${m.version}_${m.name}`).join(", ")
      }.`;
    case "unsupported":
      lines.push("Cannot write these changes; nothing was written:");
      for (const u of r.unsupported) lines.push(`  - ${u.message}`);
      return lines.join("\n");
    case "hazards": {
      lines.push("Hazards; nothing was written:");
      for (const h of r.hazards.filter((h) => !h.allowed)) lines.push(`  ✗ ${h.kind}: ${h.message}`);
      const kinds = [...new Set(r.hazards.filter((h) => !h.allowed).map((h) => h.kind))];
      lines.push("", `Write them anyway with ${kinds.map((k) => `--allow-hazard ${k}`).join(" ")}.`);
      if (r.rename_hints.length) {
        lines.push("", "These look like renames:");
        for (const h of r.rename_hints) lines.push(`  ${h.from} → ${h.to}: ${h.flag}`);
      }
      return lines.join("\n");
    }
    case "proof-failed": {
      const p = r.proof!;
      lines.push("The generated migrations did not pass the proof; nothing was written.");
      if (p.error) lines.push(`  ${p.error}`);
      for (const f of p.lint) lines.push(`  lint ${f.file}:${f.line}: [${f.rule}] ${f.message}`);
      if (p.differences.length) {
        lines.push("  After the new migrations, the chain still differs from db/schema/:");
        lines.push(indent(formatCatalogDiff(p.differences, { expected: "db/schema", actual: "migrations" })));
      }
      for (const m of p.reversible.filter((m) => !m.ok)) {
        lines.push(`  ${m.version}_${m.name}.down.sql does not restore the schema:`);
        lines.push(indent(formatCatalogDiff(m.differences, { expected: "before up", actual: "after down" })));
      }
      lines.push("", "The migrations that failed:", "");
      files();
      return lines.join("\n");
    }
  }
}

function hazardsNote(r: MigrateDiffResult): string {
  if (!r.hazards.length) return "";
  return `\n\nHazards written (allowed):\n${r.hazards.map((h) => `  ! ${h.kind}: ${h.message}`).join("\n")}`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `    ${l}`).join("\n");
}
