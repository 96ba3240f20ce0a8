// deno-lint-ignore-file no-console -- scripts print to the terminal by design
/**
 * The import-cycle gate of `deno task ok`: no cycle between source files, type imports
 * included, and none between the folders of `src/` (a folder cycle such as migrate ↔ lint
 * means neither can be understood, tested or moved without the other).
 *
 * The graph is Deno's own (`deno info --json`), so it resolves every specifier exactly as
 * the runtime does. Exit 1 lists each cycle found.
 *
 * @module
 */

interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
}
interface Module {
  specifier: string;
  dependencies?: Dependency[];
}

const root = new URL("../", import.meta.url).href;
const entries = ["main.ts"];
for await (const f of walk("src")) entries.push(f);

const out = await new Deno.Command(Deno.execPath(), {
  args: ["info", "--json", ...entries.slice(0, 1)],
  stdout: "piped",
})
  .output();
const graph = new Map<string, Set<string>>();
addGraph(JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: Module[] });
// Files not reachable from main.ts (library-only modules) are added from their own graphs.
for (const f of entries.slice(1)) {
  if (graph.has(rel(new URL(f, root).href))) continue;
  const o = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", f], stdout: "piped" }).output();
  addGraph(JSON.parse(new TextDecoder().decode(o.stdout)) as { modules: Module[] });
}

const fileCycles = cycles(graph);
const folders = new Map<string, Set<string>>();
for (const [from, tos] of graph) {
  const a = folderOf(from);
  if (!a) continue;
  for (const to of tos) {
    const b = folderOf(to);
    if (!b || a === b) continue;
    if (!folders.has(a)) folders.set(a, new Set());
    folders.get(a)!.add(b);
  }
}
const folderCycles = cycles(folders);

for (const c of fileCycles) console.error(`file cycle: ${c.join(" → ")}`);
for (const c of folderCycles) {
  const witness = c.slice(0, -1).map((a, i) => example(a, c[i + 1])).join("; ");
  console.error(`folder cycle: ${c.join(" → ")} (${witness})`);
}
if (fileCycles.length + folderCycles.length > 0) Deno.exit(1);
console.error(`No import cycles among ${graph.size} files and ${folders.size} folders.`);

function addGraph(info: { modules: Module[] }): void {
  for (const m of info.modules) {
    if (!m.specifier.startsWith(root) || m.specifier.includes("/node_modules/")) continue;
    const from = rel(m.specifier);
    const deps = graph.get(from) ?? new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const s of [d.code?.specifier, d.type?.specifier]) {
        if (s?.startsWith(root)) deps.add(rel(s));
      }
    }
    graph.set(from, deps);
  }
}

function rel(specifier: string): string {
  return specifier.slice(root.length);
}

/** `src/migrate/x.ts` → `src/migrate`; top-level files of src/ belong to no folder. */
function folderOf(file: string): string | undefined {
  const parts = file.split("/");
  return parts[0] === "src" && parts.length > 2 ? `src/${parts[1]}` : undefined;
}

function example(a: string, b: string): string {
  for (const [from, tos] of graph) {
    if (folderOf(from) !== a) continue;
    for (const to of tos) if (folderOf(to) === b) return `${from} imports ${to}`;
  }
  return `${a} → ${b}`;
}

/** Every elementary cycle found by a depth-first search, each reported once. */
function cycles(g: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of [...(g.get(n) ?? [])].sort()) {
      if (state.get(m) === 1) {
        const c = [...stack.slice(stack.indexOf(m)), m];
        const key = [...c.slice(0, -1)].sort().join("|");
        if (!seen.has(key)) {
          seen.add(key);
          found.push(c);
        }
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...g.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield p;
  }
}
