/**
 * Render an {@link ErdModel} as a Mermaid `erDiagram`, the text GitHub draws in Markdown.
 *
 * Mermaid's grammar is narrow: entity names and attribute types are words (letters, digits,
 * `_`, `-`, and `()[]` in types), so qualified names become `schema__table` (the `public`
 * schema is dropped) and types are shortened (`character varying(255)` → `varchar(255)`) with
 * anything else folded to `_`. Labels and comments are double-quoted strings without quotes.
 *
 * @module
 */
import type { ErdColumn, ErdEntity, ErdModel, ErdRelationship } from "./model.ts";

/** Options for {@link renderMermaidErd}. */
export interface MermaidOptions {
  /** Every column, not only the key columns (PK, FK, UK). */
  allColumns?: boolean;
}

const SHORT_TYPES: [RegExp, string][] = [
  [/^character varying/, "varchar"],
  [/^character\b/, "char"],
  [/^timestamp(\(\d+\))? with time zone/, "timestamptz$1"],
  [/^timestamp(\(\d+\))? without time zone/, "timestamp$1"],
  [/^time(\(\d+\))? with time zone/, "timetz$1"],
  [/^time(\(\d+\))? without time zone/, "time$1"],
  [/^double precision/, "float8"],
  [/^bit varying/, "varbit"],
];

/** A Mermaid attribute type for a PostgreSQL type. */
export function mermaidType(type: string): string {
  let t = type;
  for (const [re, short] of SHORT_TYPES) t = t.replace(re, short);
  t = t.replace(/^"|"$/g, "").replace(/[^A-Za-z0-9_\-()[\]]+/g, "_");
  return /^[A-Za-z_]/.test(t) ? t : `_${t}`;
}

/** A Mermaid entity name for a table. */
export function mermaidEntity(schema: string, name: string): string {
  const raw = schema === "public" ? name : `${schema}__${name}`;
  const word = raw.replace(/[^A-Za-z0-9_-]+/g, "_");
  return /^[A-Za-z_]/.test(word) ? word : `_${word}`;
}

function label(text: string): string {
  return `"${text.replaceAll('"', "'").replace(/\s+/g, " ")}"`;
}

function keys(c: ErdColumn): string {
  const k = [c.pk && "PK", c.fk && "FK", c.uk && "UK"].filter(Boolean);
  return k.length ? ` ${k.join(", ")}` : "";
}

function entity(e: ErdEntity, options: MermaidOptions): string[] {
  const keyed = e.columns.filter((c) => c.pk || c.fk || c.uk);
  // A table without keys still shows its columns: Mermaid wants at least one attribute in a block.
  const shown = options.allColumns || keyed.length === 0 ? e.columns : keyed;
  if (shown.length === 0) return [`    ${mermaidEntity(e.schema, e.name)}`];
  const lines = [`    ${mermaidEntity(e.schema, e.name)} {`];
  for (const c of shown) {
    const comment = c.comment ? ` ${label(c.comment)}` : "";
    const name = c.name.replace(/[^A-Za-z0-9_-]+/g, "_");
    lines.push(`        ${mermaidType(c.type)} ${/^[A-Za-z_*]/.test(name) ? name : `_${name}`}${keys(c)}${comment}`);
  }
  lines.push("    }");
  return lines;
}

/** `parent ||--o{ child : "fk"`: the parent side says whether a child needs a parent. */
function relationship(r: ErdRelationship): string {
  const parent = mermaidEntity(r.to.schema, r.to.name);
  const child = mermaidEntity(r.from.schema, r.from.name);
  const parentSide = r.required ? "||" : "|o";
  const childSide = r.oneToOne ? "o|" : "o{";
  return `    ${parent} ${parentSide}--${childSide} ${child} : ${label(r.from.columns.join(", "))}`;
}

/** The diagram text, starting with `erDiagram`. */
export function renderMermaidErd(model: ErdModel, options: MermaidOptions = {}): string {
  const lines = ["erDiagram"];
  for (const e of model.entities) lines.push(...entity(e, options));
  for (const r of model.relationships) lines.push(relationship(r));
  return lines.join("\n") + "\n";
}
