/**
 * Every `--help` ends with examples (#17.6): for each command and group of the live tree, the
 * help the real CLI prints has an `Examples:` section whose lines are invocations of that very
 * command.
 *
 * @module
 */
import { assert, assertEquals } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { buildProgram } from "../src/cli/cli.ts";
import type { Command } from "@commander-js/extra-typings";
import { EXAMPLES } from "../src/cli/examples.ts";

/** Every command path of the tree, root (`[]`) first. */
function pathsOf(root: Command): string[][] {
  const out: string[][] = [];
  const visit = (cmd: Command, path: string[]) => {
    out.push(path);
    for (const sub of cmd.commands as Command[]) visit(sub, [...path, sub.name()]);
  };
  visit(root, []);
  return out;
}

/** The lines of the `Examples:` section of a help text (its indented lines), or null without one. */
function exampleLines(help: string): string[] | null {
  const lines = help.split("\n");
  const start = lines.indexOf("Examples:");
  if (start < 0) return null;
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    out.push(line.trim());
  }
  return out;
}

Deno.test("every command's --help has 1–3 examples that run that command", async () => {
  const paths = pathsOf(await buildProgram());
  assert(paths.length > 25, `the tree has only ${paths.length} commands`);
  const problems: string[] = [];
  // Four at a time: each is a real `deno run main.ts … --help`.
  for (let i = 0; i < paths.length; i += 4) {
    await Promise.all(
      paths.slice(i, i + 4).map(async (path) => {
        const name = ["confiture", ...path].join(" ");
        const res = await runCli([...path, "--help"]);
        if (res.code !== 0) return problems.push(`${name} --help exited ${res.code}: ${res.stderr}`);
        const examples = exampleLines(res.stdout);
        if (examples === null) return problems.push(`${name} --help has no Examples: section`);
        if (examples.length < 1 || examples.length > 3) {
          problems.push(`${name} --help has ${examples.length} examples (want 1–3)`);
        }
        for (const line of examples) {
          if (!(line === name || line.startsWith(`${name} `))) {
            problems.push(`${name} --help: example "${line}" does not start with "${name} "`);
          }
        }
      }),
    );
  }
  assertEquals(problems, []);
});

Deno.test("the examples table names only commands that exist", async () => {
  const paths = new Set(pathsOf(await buildProgram()).map((p) => p.join(" ")));
  assertEquals(Object.keys(EXAMPLES).filter((k) => !paths.has(k)), []);
});

Deno.test("confiture help <command> shows that command's examples too", async () => {
  const res = await runCli(["help", "migrate", "up"]);
  assertEquals(res.code, 0, res.stderr);
  const first = exampleLines(res.stdout)?.[0] ?? "";
  assert(/^confiture migrate up +# apply every pending migration$/.test(first), res.stdout);
});
