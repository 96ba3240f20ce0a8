// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * `deno task bench`: run every benchmark, or the ones named on the command line
 * (`deno task bench migrate sync`).
 */
const BENCHES: Record<string, string> = {
  migrate: "./migrate.ts",
  build: "./build.ts",
  sync: "./sync.ts",
  s2s: "./schema_to_schema.ts",
  chains: "./chains.ts",
  memory: "./memory.ts",
  diff: "./diff.ts",
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
for (const name of wanted) {
  const path = BENCHES[name];
  if (!path) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    Deno.exit(5);
  }
  console.error(`\n=== bench: ${name}`);
  const mod = await import(path);
  await mod.main();
}
