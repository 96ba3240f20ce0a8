/**
 * The documentation's command reference and exit-code table are what the CLI really prints:
 * the test fails when a command or option changes and `deno run -A scripts/readme.ts` was not
 * run. Every relative link of the README and docs/ leads to a file that exists.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./_helpers/assert.ts";
import { runCli } from "./_helpers/cli.ts";
import { buildProgram } from "../src/cli/cli.ts";
import { commandsOf, GENERATED_FILES, MARKERS, regenerate, replaceBlock } from "../scripts/readme.ts";

const CLI_MD = new URL(`../${GENERATED_FILES.commands}`, import.meta.url);
const EXIT_MD = new URL(`../${GENERATED_FILES.exitCodes}`, import.meta.url);

function block(readme: string, markers: readonly [string, string]): string {
  return readme.slice(readme.indexOf(markers[0]), readme.indexOf(markers[1]));
}

Deno.test("readme: the generated blocks are up to date (else run `deno run -A scripts/readme.ts`)", async () => {
  for (const [key, file] of Object.entries(GENERATED_FILES)) {
    const text = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    const regenerated = await regenerate(text);
    const markers = MARKERS[key as keyof typeof MARKERS];
    assertEquals(block(text, markers), block(regenerated, markers), `${file}: ${markers[0]} block`);
    assertEquals(regenerated, text, file);
  }
});

Deno.test("readme: every command's real --help is in the command reference, verbatim", async () => {
  const reference = block(await Deno.readTextFile(CLI_MD), MARKERS.commands);
  const names = commandsOf(await buildProgram()).map((c) => c.name.split(" ").slice(1));
  assert(names.some((n) => n.join(" ") === "migrate up") && names.some((n) => n.join(" ") === "completions"));
  // A few subprocesses at a time: each is a real `confiture … --help` with stdout piped.
  for (let i = 0; i < names.length; i += 4) {
    await Promise.all(
      names.slice(i, i + 4).map(async (words) => {
        const res = await runCli([...words, "--help"]);
        assertEquals(res.code, 0, res.stderr);
        assertStringIncludes(reference, `\`\`\`text\n${res.stdout.trimEnd()}\n\`\`\``, `confiture ${words.join(" ")}`);
        assertStringIncludes(reference, `#### \`${["confiture", ...words].join(" ")}\``);
      }),
    );
  }
});

Deno.test("readme: the exit-code table is the one `confiture --exit-codes` prints", async () => {
  const table = block(await Deno.readTextFile(EXIT_MD), MARKERS.exitCodes);
  const res = await runCli(["--exit-codes"]);
  assertEquals(res.code, 0);
  const printed = res.stdout.trim().split("\n").map((l) => l.match(/^(\d+)\s+(.*)$/)!.slice(1));
  assert(printed.length >= 8, res.stdout);
  for (const [code, meaning] of printed) {
    assert(new RegExp(`^\\| ${code} +\\| ${RegExp.escape(meaning)} +\\|$`, "m").test(table), `exit ${code} row`);
  }
  assertEquals(table.match(/^\| \d+ /gm)?.length, printed.length, "no extra rows");
});

Deno.test("readme: regenerating is idempotent; a README without markers is an error, not a silent no-op", async () => {
  const readme = await Deno.readTextFile(CLI_MD);
  assertEquals(await regenerate(await regenerate(readme)), await regenerate(readme));
  assertThrows(() => replaceBlock("# No markers\n", MARKERS.commands, "x"), Error, "has no <!-- commands:start -->");
});

Deno.test("readme: every relative link of README.md and docs/*.md leads to a file, and the README stays short", async () => {
  const root = new URL("../", import.meta.url);
  const pages = [
    "README.md",
    ...[...Deno.readDirSync(new URL("docs/", root))].filter((e) => e.name.endsWith(".md"))
      .map((e) => `docs/${e.name}`),
  ];
  const broken: string[] = [];
  for (const page of pages) {
    const text = await Deno.readTextFile(new URL(page, root));
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
      const path = new URL(target.split("#")[0], new URL(page, root));
      try {
        Deno.statSync(path);
      } catch {
        broken.push(`${page} → ${target}`);
      }
    }
  }
  assertEquals(broken, []);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  assert(readme.length < 12_000, `README.md is ${readme.length} characters: details belong in docs/`);
});
