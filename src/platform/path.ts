/**
 * Path helpers on POSIX-style strings (Windows paths are normalised to `/` first).
 *
 * @module
 */
import { cwd } from "./fs.ts";

/** Join path segments with `/`, collapsing `.` and `..`. */
export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}

/** Resolve `p` against `base` (default: the working directory). */
export function resolve(p: string, base?: string): string {
  const q = p.replaceAll("\\", "/");
  if (isAbsolute(q)) return normalize(q);
  return normalize(`${base ?? cwd().replaceAll("\\", "/")}/${q}`);
}

/** Whether a path is absolute (POSIX or Windows drive). */
export function isAbsolute(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p);
}

// A backslash, an empty segment, a `.` or `..` segment, or a trailing slash.
const UNCLEAN = /\\|\/\/|(^|\/)\.\.?(\/|$)|.\/$/;

/** Collapse `.`, `..` and duplicate slashes. */
export function normalize(p: string): string {
  // Most paths are already clean; `migrate up` shows thousands of them.
  if (p !== "" && !UNCLEAN.test(p)) return p;
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.replaceAll("\\", "/").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (seg !== ".." || !abs) out.push(seg);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s || ".";
}

/** Path of `to` relative to `from` (both absolute or both relative to the same base). */
export function relative(from: string, to: string): string {
  const [f, t] = [normalize(from), normalize(to)];
  if (t.startsWith(f === "/" ? "/" : `${f}/`) && f !== "." && t !== f) return t.slice(f === "/" ? 1 : f.length + 1);
  const a = f.split("/").filter(Boolean);
  const b = t.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/") || ".";
}

/** The last path segment. */
export function basename(p: string): string {
  const parts = p.replaceAll("\\", "/").split("/").filter(Boolean);
  return parts[parts.length - 1] ?? "";
}

/** Everything but the last path segment. */
export function dirname(p: string): string {
  const n = normalize(p);
  const i = n.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : n.slice(0, i);
}
