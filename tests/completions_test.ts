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

// Spawning a missing program throws before any promise exists, so catch both ways.
async function hasShell(shell: string): Promise<boolean> {
  try {
    return (await new Deno.Command(shell, { args: ["-c", "true"] }).output()).success;
  } catch {
    return false;
  }
}

async function runShell(shell: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(shell, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  assert(out.success, `${shell} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "completions fish: fish itself completes every command and long option of the live tree",
  ignore: !(await hasShell("fish")),
  async fn() {
    await using project = await tempProject({ "db/environments/staging.yaml": "database_url: pglite:memory\n" });
    await project.write("confiture.fish", (await runCli(["completions", "fish"])).stdout);
    const nodes = completionTree(await buildProgram());
    // One fish process asks `complete -C` for every command line and prints one answer per line.
    const lines = nodes.flatMap((
      n,
    ) => [["confiture", ...n.path, ""].join(" "), ["confiture", ...n.path, "--"].join(" ")]);
    lines.push("confiture migrate up --env ", "confiture migrate status --format ");
    const script = `source confiture.fish; for l in ${lines.map((l) => `'${l}'`).join(" ")}
      echo (complete -C"$l" | cut -f1 | string join " ")
    end`;
    const answers = (await runShell("fish", ["--no-config", "-c", script], project.dir)).split("\n");
    nodes.forEach((node, i) => {
      const subs = answers[2 * i].split(" ").filter(Boolean);
      // Elsewhere fish offers files (lint's file arguments, --output and the like).
      if (node.subcommands.length + node.argumentChoices.length > 0) {
        assertEquals(
          subs,
          [...node.subcommands.map((s) => s.name), ...node.argumentChoices].sort(),
          `fish: subcommands of "${node.path.join(" ")}"`,
        );
      }
      const offered = answers[2 * i + 1].split(" ");
      for (const long of node.options.flatMap((o) => o.flags.filter((f) => f.startsWith("--")))) {
        assert(offered.includes(long), `fish: "${node.path.join(" ")} --" offers ${long}: ${answers[2 * i + 1]}`);
      }
    });
    assertEquals(answers[2 * nodes.length], "staging");
    assertEquals(answers[2 * nodes.length + 1], "json text");
  },
});

Deno.test({
  // zsh's completion builtins (compadd, _describe, _files) only work inside a completion widget,
  // so they are replaced by functions that print their candidates; the real ones also filter by prefix.
  name: "completions zsh: the function walks the command line to the right candidates",
  ignore: !(await hasShell("zsh")),
  async fn() {
    await using project = await tempProject({ "db/environments/staging.yaml": "database_url: pglite:memory\n" });
    await project.write("_confiture", (await runCli(["completions", "zsh"])).stdout);
    const nodes = completionTree(await buildProgram());
    const cases = nodes.filter((n) => n.subcommands.length > 0).map((n) => ["confiture", ...n.path, ""]);
    cases.push(["confiture", "-q", "migrate", "status", "--format", ""], ["confiture", "migrate", "up", "--env", ""]);
    cases.push(["confiture", "migrate", "up", "--env", "migrate", "--d"], ["confiture", "completions", ""]);
    const script = `source ./_confiture
compadd() { if [[ $1 == -a ]]; then print -rn -- "\${(@P)2} "; else print -rn -- "$* "; fi }
_describe() { command -v ls >/dev/null || print -rn -- "PATH-LOST "; local -a a; a=("\${(@P)4}"); print -rn -- "\${a[@]%%:*} " }
_files() { print -rn -- "<files> " }
t() { words=("$@"); CURRENT=$#; PREFIX="\${words[CURRENT]}"; _confiture; print }
${cases.map((c) => `t ${c.map((w) => `'${w}'`).join(" ")}`).join("\n")}`;
    const answers = (await runShell("zsh", ["-f", "-c", script], project.dir)).split("\n").map((l) => l.trim());
    const withSubs = nodes.filter((n) => n.subcommands.length > 0);
    withSubs.forEach((n, i) => assertEquals(answers[i], n.subcommands.map((s) => s.name).join(" "), n.path.join(" ")));
    const rest = answers.slice(withSubs.length);
    assertEquals(rest[0], "text json");
    assertEquals(rest[1], "staging");
    assert(rest[2].split(" ").includes("--dry-run"), `options of migrate up: ${rest[2]}`);
    assertEquals(rest[3], "bash zsh fish");
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
