// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * `deno task test`: run the whole suite and end with one `N passed, N failed, N skipped` line.
 *
 * Without CONFITURE_TEST_DATABASE_URL, server-only tests are skipped and listed. With
 * CONFITURE_REQUIRE_SERVER=1 (set by CI), any skipped test fails the run. Every test has a
 * deadline (tests/_helpers/test_timeout.ts), so a deadlock fails its test instead of hanging.
 */
const junitPath = ".confiture/test-results.xml";
await Deno.mkdir(".confiture", { recursive: true });
const hasServer = !!Deno.env.get("CONFITURE_TEST_DATABASE_URL");
if (!hasServer) {
  console.error("CONFITURE_TEST_DATABASE_URL is not set: running PGlite tests only; server tests are skipped.");
}
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "-A",
    "--parallel",
    "--preload",
    "tests/_helpers/test_timeout.ts",
    `--junit-path=${junitPath}`,
    ...Deno.args,
  ],
  env: { DENO_JOBS: Deno.env.get("DENO_JOBS") ?? "2" },
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
const status = await child.status;

let xml = "";
try {
  xml = await Deno.readTextFile(junitPath);
} catch {
  // deno test failed before writing results (e.g. a type error): report its exit code alone.
}
const cases = [...xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)];
let passed = 0;
let failed = 0;
const skipped: string[] = [];
for (const c of cases) {
  const body = c[3] ?? "";
  if (/<skipped\b/.test(body)) skipped.push(unescape(c[1]));
  else if (/<(failure|error)\b/.test(body)) failed++;
  else passed++;
}
if (skipped.length > 0) {
  console.error(`\nSkipped ${skipped.length} test(s)${hasServer ? "" : " that need a PostgreSQL server"}:`);
  for (const s of skipped) console.error(`  - ${s}`);
}
let code = status.code;
if (Deno.env.get("CONFITURE_REQUIRE_SERVER") === "1" && skipped.length > 0) {
  console.error("CONFITURE_REQUIRE_SERVER=1 but some tests were skipped: the server tests did not all run.");
  code = code || 1;
}
if (cases.length === 0 && code === 0) {
  console.error("No test results were recorded.");
  code = 1;
}
if (code !== 0 && failed === 0 && status.code !== 0) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
Deno.exit(code);

function unescape(s: string): string {
  return s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}
