/**
 * `confiture completions`: the scripts cover the whole command tree as it is at run time, and
 * the bash script completes real command lines in a real bash.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { tempProject } from "./_helpers/project.ts";
import { buildProgram } from "../src/cli/cli.ts";
import { completionTree } from "../src/cli/commands/completions.ts";

const hasBash = await new Deno.Command("bash", { args: ["-c", "true"] }).output().then((o) => o.success, () => false);

async function completeInBash(script: string, line: string[], cwd?: string): Promise<string[]> {
  const words = line.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(" ");
  const program = `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${
    line.length - 1
  }; _confiture; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = await new Deno.Command("bash", { args: ["-c", program], cwd, stdout: "piped", stderr: "piped" }).output();
  assert(out.success, `bash failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

Deno.test({
  name: "completions bash: every command and option of the live tree completes at its place",
  ignore: !hasBash,
  async fn() {
    const res = await runCli(["completions", "bash"]);
    assertEquals(res.code, 0, res.stderr);
    const nodes = completionTree(await buildProgram());
    assert(nodes.some((n) => n.path.join(" ") === "migrate up"), "the tree walk reaches migrate up");
    assert(nodes.some((n) => n.path.join(" ") === "completions"), "the tree walk sees the completions command itself");
    for (const node of nodes) {
      const line = ["confiture", ...node.path];
      if (node.subcommands.length > 0) {
        assertEquals(
          await completeInBash(res.stdout, [...line, ""]),
          node.subcommands.map((s) => s.name),
          `subcommands after "${line.join(" ")}"`,
        );
      }
      const offered = await completeInBash(res.stdout, [...line, "-"]);
      for (const flag of node.options.flatMap((o) => o.flags)) {
        assert(offered.includes(flag), `"${line.join(" ")} -" offers ${flag}; offered: ${offered.join(" ")}`);
      }
    }
  },
});

Deno.test({
  name: "completions bash: option values, global options before the command, and environments",
  ignore: !hasBash,
  async fn() {
    await using project = await tempProject({
      "db/environments/local.yaml": "database_url: pglite:memory\n",
      "db/environments/prod.yaml": "database_url: pglite:memory\n",
    });
    const script = (await runCli(["completions", "bash"])).stdout;
    assertEquals(await completeInBash(script, ["confiture", "-q", "migrate", "status", "--format", ""]), [
      "text",
      "json",
    ]);
    // An option's value is not mistaken for a subcommand: "--env migrate" stays in `migrate up`.
    assertEquals(await completeInBash(script, ["confiture", "migrate", "up", "--env", "migrate", "--dry"]), [
      "--dry-run",
    ]);
    assertEquals(await completeInBash(script, ["confiture", "migrate", "up", "--env", ""], project.dir), [
      "local",
      "prod",
    ]);
    assertEquals(await completeInBash(script, ["confiture", "completions", ""]), ["bash", "zsh", "fish"]);
    assertEquals(await completeInBash(script, ["confiture", "migrate", "schema-to-schema", "cat"]), ["catch-up"]);
  },
});

Deno.test("completions zsh and fish: every command and long option of the live tree is in the script", async () => {
  const nodes = completionTree(await buildProgram());
  for (const shell of ["zsh", "fish"]) {
    const res = await runCli(["completions", shell]);
    assertEquals(res.code, 0, res.stderr);
    for (const node of nodes) {
      // Both scripts key their tables by the command path typed so far.
      assertStringIncludes(res.stdout, `'${node.path.join(" ")}'`, `${shell}: path "${node.path.join(" ")}"`);
      for (const sub of node.subcommands) assertStringIncludes(res.stdout, sub.name, `${shell}: ${sub.name}`);
      for (const option of node.options) {
        const long = option.flags.find((f) => f.startsWith("--"));
        if (long) {
          assertStringIncludes(res.stdout, shell === "fish" ? `-l ${long.slice(2)}` : long, `${shell}: ${long}`);
        }
      }
    }
  }
  assertStringIncludes((await runCli(["completions", "zsh"])).stdout, "#compdef confiture");
});

Deno.test("completions: an unknown shell is a usage error (exit 5) naming the choices", async () => {
  const res = await runCli(["completions", "powershell"]);
  assertEquals(res.code, 5);
  assertStringIncludes(res.stderr, "powershell");
  assertStringIncludes(res.stderr, "bash, zsh, fish");
  assertEquals(res.stdout, "");
});
