/**
 * Schema-qualified names: the one `{ schema, name }` type and the three forms it travels in.
 *
 * - **Written** (`parseQualifiedName`): what a person types in a mapping file, a profile or
 *   `--tables`: `name` or `schema.name`, a part in double quotes when it holds a dot or a quote
 *   (`"my.schema"."a""b"`). Unquoted parts are taken as written (no case folding), as every
 *   caller always has.
 * - **SQL** (`formatQualifiedName`): quoted only where needed, through `quoteQualified`.
 * - **Catalog key** (`qualifiedKey`, `parseQualifiedKey`): `schema.name` unquoted, the keys of
 *   a catalog snapshot that `src/diff` and `check-schema` read. That form cannot hold a dot in
 *   the schema; a dot in the name survives, as the key splits at its first dot.
 *
 * Before this module s2s, migrate adopt, the diff planner and sync each split names on their
 * own, and the copies that split at the first dot read `"my.schema".t` wrong.
 *
 * @module
 */
import { quoteQualified } from "./quote.ts";

/** A relation (or other object) name in its schema. */
export interface QualifiedName {
  schema: string;
  name: string;
}

/**
 * Split written text on the dots outside double quotes, undoing the quotes (`""` is one `"`).
 * Undefined when a quote is left open, a part is empty, or a quote sits inside an unquoted
 * part.
 *
 * @example
 * ```ts
 * import { splitQualifiedName } from "./qualified_name.ts";
 * splitQualifiedName('"my.schema".users.email'); // ["my.schema", "users", "email"]
 * ```
 */
export function splitQualifiedName(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let part = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i++];
      }
      if (i < text.length && text[i] !== ".") return undefined;
    } else {
      const dot = text.indexOf(".", i);
      part = text.slice(i, dot < 0 ? text.length : dot);
      if (part === "" || part.includes('"')) return undefined;
      i += part.length;
    }
    parts.push(part);
    if (i >= text.length) break;
    i++; // the dot
    if (i >= text.length) return undefined;
  }
  return parts;
}

/**
 * Parse written `name` or `schema.name`; an unqualified name is in `defaultSchema`.
 * Undefined when the text is not one or two parts.
 *
 * @example
 * ```ts
 * import { parseQualifiedName } from "./qualified_name.ts";
 * parseQualifiedName('"my.schema"."a""b"', "public"); // { schema: "my.schema", name: 'a"b' }
 * parseQualifiedName("users", "public"); // { schema: "public", name: "users" }
 * ```
 */
export function parseQualifiedName(text: string, defaultSchema: string): QualifiedName | undefined {
  const parts = splitQualifiedName(text);
  if (parts?.length === 1) return { schema: defaultSchema, name: parts[0] };
  if (parts?.length === 2) return { schema: parts[0], name: parts[1] };
  return undefined;
}

/** The name as SQL, each part quoted only when it must be: `app."order"`, `"my.schema".t`. */
export function formatQualifiedName(n: QualifiedName): string {
  return quoteQualified(n.schema, n.name);
}

/** The catalog key `schema.name` (unquoted), as snapshots key tables, views and sequences. */
export function qualifiedKey(n: QualifiedName): string {
  return `${n.schema}.${n.name}`;
}

/** Read a catalog key back: the schema is everything before the first dot (none: `""`). */
export function parseQualifiedKey(key: string): QualifiedName {
  const dot = key.indexOf(".");
  return dot < 0 ? { schema: "", name: key } : { schema: key.slice(0, dot), name: key.slice(dot + 1) };
}
