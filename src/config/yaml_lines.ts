/**
 * Where each key of a parsed YAML document is, so validation problems can name their line; and
 * the document's value, with resource-exhaustion input refused.
 *
 * @module
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../errors.ts";

/**
 * Parse one YAML file the way every Confiture file is read (environment, sync profile, s2s
 * mapping): duplicate keys refused, syntax errors thrown as one ConfigError listing each as
 * `file:line:col: invalid YAML: …`, and each key's line kept for the validation that follows.
 */
export function parseYamlWithLines(
  text: string,
  shownPath: string,
  errorCode?: string,
): { doc: Document; lines: Map<string, number> } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return `${shownPath}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split("\n")[0]}`;
    });
    const first = counter.linePos(doc.errors[0].pos[0]);
    throw new ConfigError(problems.join("\n"), {
      file: shownPath,
      line: first.line,
      column: first.col,
      problems,
      ...(errorCode ? { code: errorCode } : {}),
    });
  }
  return { doc, lines: keyLines(doc.contents, counter) };
}

/** Map every key path (`migration.lock_timeout`, `tables[0].where`) to its 1-based line. */
export function keyLines(root: unknown, counter: LineCounter): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const p = path ? `${path}.${key}` : key;
        const range = isScalar(pair.key) ? pair.key.range : undefined;
        if (range) out.set(p, counter.linePos(range[0]).line);
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const p = `${path}[${i}]`;
        const range = (item as { range?: [number, number, number] }).range;
        if (range) out.set(p, counter.linePos(range[0]).line);
        walk(item, p);
      });
    }
  };
  walk(root, "");
  return out;
}

/**
 * A parsed document's value, refusing resource-exhaustion input (exit 5, naming the file): an
 * alias flood ("billion laughs") or nesting too deep to walk.
 */
export function yamlValue(doc: Document, shownPath: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (!(e instanceof ReferenceError || e instanceof RangeError)) throw e;
    const why = e instanceof ReferenceError
      ? 'too many alias expansions (a YAML alias flood, or "billion laughs")'
      : "nested too deeply";
    throw new ConfigError(`${shownPath}: refused: ${why}`, {
      code: "YAML_TOO_COMPLEX",
      file: shownPath,
      hint: "Write the values out instead of repeating them through &anchors and *aliases",
    });
  }
}
