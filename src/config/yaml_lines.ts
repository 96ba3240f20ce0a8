/**
 * Where each key of a parsed YAML document is, so validation problems can name their line.
 *
 * @module
 */
import { isMap, isScalar, isSeq, type LineCounter } from "yaml";

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
