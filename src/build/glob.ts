/**
 * Exclude globs for schema discovery, with gitignore-like meaning: `*` and `?` stay within one
 * path component, `**` spans any number of them, a pattern without `/` matches a name at any
 * depth, and a pattern that matches a folder excludes everything under it.
 *
 * @module
 */

/** Compile a glob into a predicate over `/`-separated relative paths. */
export function compileGlob(pattern: string): (path: string) => boolean {
  let p = pattern.trim().replaceAll("\\", "/").replace(/^\.\//, "");
  if (p.endsWith("/")) p = p.slice(0, -1);
  const anchored = p.includes("/");
  const body = globToRegExpSource(p.startsWith("/") ? p.slice(1) : p);
  // Matching a prefix of components makes a folder pattern exclude the folder's contents.
  const re = new RegExp(`^${anchored ? "" : "(?:.*/)?"}${body}(?:/.*)?$`);
  return (path) => re.test(path);
}

/** Whether any of the patterns matches the path. */
export function matchesAny(patterns: readonly ((path: string) => boolean)[], path: string): boolean {
  return patterns.some((m) => m(path));
}

function globToRegExpSource(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        const before = i === 0 || glob[i - 1] === "/";
        const after = glob[i + 2] === "/" || i + 2 === glob.length;
        if (before && after) {
          // `**/` matches zero or more whole components; a trailing `**` matches the rest.
          if (glob[i + 2] === "/") {
            out += "(?:[^/]+/)*";
            i += 2;
          } else {
            out += ".*";
            i += 1;
          }
          continue;
        }
        i += 1;
      }
      out += "[^/]*";
    } else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        const cls = glob.slice(i + 1, end).replace(/^!/, "^").replaceAll("\\", "\\\\");
        out += `[${cls}]`;
        i = end;
      }
    } else out += /[.+^${}()|\\]/.test(ch) ? `\\${ch}` : ch;
  }
  return out;
}
