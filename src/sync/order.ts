/**
 * Load order from foreign keys: parents before children, tables that reference each other
 * (a cycle) loaded together in one group. Pure, so the order never depends on how tables
 * were listed.
 *
 * @module
 */

/** A dependency: `child` has a foreign key to `parent`. */
export interface Dependency {
  child: string;
  parent: string;
}

/**
 * Groups of tables in load order. Each group is one table, or the members of one FK cycle
 * (self-references do not make a cycle). Names inside a group and ties between groups are
 * sorted, so the result is stable.
 *
 * @example
 * ```ts
 * loadOrder(["comments", "posts", "users"], [
 *   { child: "posts", parent: "users" },
 *   { child: "comments", parent: "posts" },
 * ]); // [["users"], ["posts"], ["comments"]]
 * ```
 */
export function loadOrder(tables: readonly string[], dependencies: readonly Dependency[]): string[][] {
  const names = [...new Set(tables)].sort();
  const known = new Set(names);
  const parents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const d of dependencies) {
    if (d.child !== d.parent && known.has(d.child) && known.has(d.parent)) parents.get(d.child)!.push(d.parent);
  }
  for (const list of parents.values()) list.sort();

  // Tarjan's algorithm emits a component only after every component it depends on, which is
  // exactly parents-first when edges point from child to parent.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of parents.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      groups.push(group.sort());
    }
  };
  for (const n of names) if (!index.has(n)) visit(n);
  return groups;
}
