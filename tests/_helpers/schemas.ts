/**
 * The JSON contract every `--format json` run keeps, checked on a real run: stdout is exactly
 * one JSON object, its `ok` is a boolean (true on exit 0, false on exit 3 and above), no key anywhere
 * is camelCase, and it validates against its schema in docs/schemas/ (Ajv, draft 2020-12,
 * strict, which also rejects a schema that misspells a keyword).
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { assert, assertEquals } from "./assert.ts";
import type { CliResult } from "./cli.ts";

/** Where the schemas live. */
export const SCHEMAS = new URL("../../docs/schemas/", import.meta.url);
/** The `$id` prefix of the current contract version (docs/json.md, "Versions"). */
export const SCHEMA_BASE = "https://confiture.dev/schemas/v2/";

/** A compiled Ajv holding every schema, and the schema file names. */
export function loadSchemas(): { ajv: Ajv2020; files: string[] } {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  const files = [...Deno.readDirSync(SCHEMAS)].map((e) => e.name).filter((n) => n.endsWith(".schema.json")).sort();
  for (const name of files) ajv.addSchema(JSON.parse(Deno.readTextFileSync(new URL(name, SCHEMAS))));
  return { ajv, files };
}

/**
 * Objects under these keys are maps keyed by data (database object names in drift and
 * check-schema differences, table names in s2s and sync results): their own keys are names,
 * not casing, and are not checked; the values inside them are.
 */
const NAME_MAPS = new Set(["columns", "constraints", "indexes", "triggers", "policies", "tables", "views"]);

/** A snake_case key: lowercase words of letters and digits joined by single underscores. */
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Every key path in `value` that is not snake_case (camelCase, capitals, dashes, spaces…). */
export function nonSnakeKeys(value: unknown, path = "$", names = false): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonSnakeKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(!names && !SNAKE.test(k) ? [`${path}.${k}`] : []),
    ...nonSnakeKeys(v, `${path}.${k}`, !names && NAME_MAPS.has(k) && !Array.isArray(v)),
  ]);
}

/** The exit codes docs/exit_codes.md documents (its generated table). */
export const DOCUMENTED_EXIT_CODES: ReadonlySet<number> = new Set(
  [...Deno.readTextFileSync(new URL("../../docs/exit_codes.md", import.meta.url)).matchAll(/^\| (\d+) +\|/gm)]
    .map((m) => Number(m[1])),
);

/**
 * Check `res` keeps the contract for `schema` (`docs/schemas/<schema>.schema.json`); with
 * `code`, check the exit code too. Returns the parsed document.
 */
export function expectContract(
  ajv: Ajv2020,
  schema: string,
  res: CliResult,
  code?: number,
): Record<string, unknown> {
  const where = `${schema}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`;
  if (code !== undefined) assertEquals(res.code, code, `exit code of ${where}`);
  assert(DOCUMENTED_EXIT_CODES.has(res.code), `exit ${res.code} is in docs/exit_codes.md: ${where}`);
  let body: unknown;
  try {
    body = JSON.parse(res.stdout);
  } catch {
    throw new Error(`stdout is not exactly one JSON document: ${where}`);
  }
  assert(body !== null && typeof body === "object" && !Array.isArray(body), `one JSON object: ${where}`);
  const doc = body as Record<string, unknown>;
  assertEquals(typeof doc.ok, "boolean", `boolean ok: ${where}`);
  if (res.code === 0) assertEquals(doc.ok, true, `exit 0 means ok: ${where}`);
  // 1 and 2 are news (pending, findings, not initialised) whose ok the command decides; 3+ fail.
  if (res.code >= 3) assertEquals(doc.ok, false, `exit ${res.code} means not ok: ${where}`);
  assertEquals(nonSnakeKeys(doc), [], `snake_case keys only: ${where}`);
  if (doc.ok === false && (schema === "error" || "error" in doc)) {
    // A failure is the envelope: {ok: false, error: {code, message, hint, …}}; a report that
    // fails (validate, sync check, …) carries its findings instead.
    const error = doc.error as Record<string, unknown> | undefined;
    assert(error && typeof error === "object", `a failure has an error object: ${where}`);
    assert(typeof error.code === "string" && /^[A-Z][A-Z0-9_]*$/.test(error.code), `error.code: ${where}`);
    assert(typeof error.message === "string" && error.message.length > 0, `error.message: ${where}`);
    assert("hint" in error, `error.hint: ${where}`);
  }
  const validate = ajv.getSchema(`${SCHEMA_BASE}${schema}.schema.json`);
  assert(validate, `docs/schemas/${schema}.schema.json exists`);
  assert(validate(doc), `${schema}: ${ajv.errorsText(validate.errors, { separator: "\n  " })}\n${res.stdout}`);
  return doc;
}

/**
 * Schemas whose real outputs tests/json_contract_test.ts validates (tests/schemas_test.ts
 * covers the rest; each file checks its own share was exercised).
 */
export const CONTRACT_TEST_SCHEMAS: readonly string[] = [
  "migrate-current",
  "migrate-drift",
  "migrate-diff",
  "migrate-adopt",
  "erd",
];
