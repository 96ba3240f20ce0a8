/**
 * Turn flags, environment variables and a YAML file into one trusted Environment, reporting
 * every problem at once.
 *
 * Precedence for the connection: `--database-url` > `CONFITURE_DATABASE_URL` > the file's
 * `database_url` (or host/port/... parts) > `DATABASE_URL`.
 *
 * @module
 */
import { unknownEnvironmentHint } from "./environment_names.ts";
import { ConfigError } from "../errors.ts";
import { type EnvLookup, parseDatabaseUrl } from "../db/url.ts";
import { readTextIfExists } from "../platform/fs.ts";
import { getEnv } from "../platform/env.ts";
import { basename, dirname, relative, resolve } from "../platform/path.ts";
import type { Environment, TableName, UrlSource } from "./environment.ts";
import { type EnvironmentFile, environmentSpec } from "./schema.ts";
import type { Problem } from "./validate.ts";

/** Inputs that select and override an environment. */
export interface LoadOptions {
  /** `--env NAME`; `local` when neither env nor configFile is given. */
  env?: string;
  /** `-c/--config FILE`. */
  configFile?: string;
  /** `--database-url URL`. */
  databaseUrl?: string;
  /**
   * Project root; relative paths in the file resolve against it. Defaults to the project of the
   * `configFile` (see {@link projectOfConfigFile}), else the working directory.
   */
  projectDir?: string;
  /** Environment variable lookup; defaults to the process environment. */
  getEnv?: EnvLookup;
  /** When true, a missing connection is not an error (offline commands such as `generate`). */
  offline?: boolean;
  /** Read no file at all: every setting at its default (URL-only use). */
  noConfigFile?: boolean;
}

const ENV_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/**
 * Load and validate an environment.
 *
 * @example
 * ```ts
 * const env = await loadEnvironment({ env: "production" });
 * env.migration.trackingTable; // { name: "tb_confiture" }
 * ```
 */
export async function loadEnvironment(options: LoadOptions = {}): Promise<Environment> {
  const lookup = options.getEnv ?? getEnv;
  const projectDir = options.projectDir !== undefined
    ? resolve(options.projectDir)
    : options.configFile !== undefined
    ? projectOfConfigFile(resolve(options.configFile))
    : resolve(".");
  if (options.env !== undefined && options.configFile !== undefined) {
    throw new ConfigError("Use either --env or --config, not both");
  }
  if (options.env !== undefined && !ENV_NAME.test(options.env)) {
    throw new ConfigError(`Invalid environment name "${options.env}": use letters, digits, - and _`);
  }
  const explicit = options.env !== undefined || options.configFile !== undefined;
  const envName = options.env ?? "local";
  const configPath = options.configFile !== undefined
    ? resolve(options.configFile)
    : resolve(`db/environments/${envName}.yaml`, projectDir);
  const flagUrl = nonEmpty(options.databaseUrl);
  const confitureUrl = nonEmpty(lookup("CONFITURE_DATABASE_URL"));

  const text = options.noConfigFile ? undefined : await readTextIfExists(configPath);
  let file: EnvironmentFile;
  const shown = displayPath(configPath, projectDir);
  if (text === undefined) {
    const ambient = nonEmpty(lookup("DATABASE_URL"));
    if (!options.noConfigFile && (explicit || (!flagUrl && !confitureUrl && !ambient && !options.offline))) {
      throw new ConfigError(`Environment config not found: ${shown}`, {
        code: "CONFIG_NOT_FOUND",
        file: shown,
        hint: options.env !== undefined
          ? await unknownEnvironmentHint(projectDir)
          : explicit
          ? undefined
          : "Create it with `confiture init`, or pass --database-url",
      });
    }
    file = environmentSpec({}, "", { problems: [], lineOf: () => undefined })!;
  } else {
    file = await parseEnvironmentFile(text, shown, lookup);
  }

  const name = file.name ?? (options.configFile !== undefined ? stem(configPath) : envName);
  let urlSource: UrlSource | undefined;
  let url: string | undefined;
  if (flagUrl) [url, urlSource] = [flagUrl, "--database-url"];
  else if (confitureUrl) [url, urlSource] = [confitureUrl, "CONFITURE_DATABASE_URL"];
  else if (file.database_url || hasParts(file)) [url, urlSource] = [file.database_url ?? partsToUrl(file), "config"];
  else {
    url = nonEmpty(lookup("DATABASE_URL"));
    urlSource = url === undefined ? undefined : "DATABASE_URL";
  }

  if (url === undefined && !options.offline) {
    throw new ConfigError(`No database configured for environment "${name}"`, {
      code: "CONFIG_NO_DATABASE",
      file: text === undefined ? undefined : shown,
      hint: "Set database_url in the environment file, pass --database-url, or set CONFITURE_DATABASE_URL",
    });
  }
  let target;
  try {
    target = url === undefined ? { kind: "pglite" as const } : parseDatabaseUrl(url, lookup, projectDir);
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new ConfigError(`${e.message} (from ${urlSource === "config" ? shown : urlSource})`, {
        file: urlSource === "config" ? shown : undefined,
      });
    }
    throw e;
  }
  const secrets = [target.kind === "server" ? target.password : undefined, passwordOf(file.direct_url)]
    .filter((s): s is string => !!s);

  return {
    name,
    projectDir,
    configFile: text === undefined ? undefined : configPath,
    databaseUrl: url ?? "pglite:memory",
    urlSource,
    target,
    directUrl: file.direct_url,
    protected: file.protected,
    migrationsDir: resolve(file.migrations_dir, projectDir),
    includeDirs: file.include_dirs.map((d) => resolve(d, projectDir)),
    excludeDirs: file.exclude_dirs,
    seedsDir: resolve(file.seeds_dir, projectDir),
    migration: {
      trackingTable: parseTableName(file.migration.tracking_table),
      lockTimeoutMs: file.migration.lock_timeout,
      statementLockTimeoutMs: file.migration.statement_lock_timeout,
      statementTimeoutMs: file.migration.statement_timeout,
      lockRetries: file.migration.lock_retries,
      allowOutOfOrder: file.migration.allow_out_of_order,
    },
    file,
    secrets,
  };
}

/**
 * An environment for a bare connection URL: every setting at its default, no file read.
 * Used by `Migrator.fromConfig("postgres://…")`.
 */
export async function environmentFromUrl(url: string, options: { projectDir?: string; getEnv?: EnvLookup } = {}) {
  const lookup = options.getEnv ?? getEnv;
  return await loadEnvironment({
    databaseUrl: url,
    projectDir: options.projectDir,
    getEnv: lookup,
    noConfigFile: true,
  });
}

/**
 * The project an environment file belongs to, against which its relative paths resolve: the
 * directory holding `db/` when the file is in `db/environments/`, else the file's own folder.
 * So `confiture -c /srv/app/db/environments/prod.yaml` works from any directory.
 */
export function projectOfConfigFile(path: string): string {
  const dir = dirname(path);
  if (basename(dir) === "environments" && basename(dirname(dir)) === "db") return dirname(dirname(dir));
  return dir;
}

/** Split `schema.table` into parts. */
export function parseTableName(text: string): TableName {
  const dot = text.indexOf(".");
  return dot < 0 ? { name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

/**
 * Parse, expand `${VAR}` / `${VAR:-default}`, and validate one environment file.
 * Throws one ConfigError listing every problem as `file:line: key: message`.
 */
export async function parseEnvironmentFile(
  text: string,
  shownPath: string,
  lookup: EnvLookup,
): Promise<EnvironmentFile> {
  // The YAML parser is imported only when there is a file: commands run with --database-url
  // alone start ~50 ms sooner.
  const { parseYamlWithLines, yamlValue } = await import("./yaml_lines.ts");
  const { doc, lines } = parseYamlWithLines(text, shownPath);
  const problems: Problem[] = [];
  const raw = expandEnv(yamlValue(doc, shownPath) ?? {}, "", lookup, problems, (p) => lines.get(p));
  const mapping = raw !== null && typeof raw === "object" && !Array.isArray(raw);
  if (!mapping) problems.push({ path: "", message: "the file must be a mapping of keys to values", line: 1 });
  // Unset variables are reported with every other problem; a key whose variable is unset is
  // not judged again on its empty value.
  const unset = new Set(problems.map((p) => p.path));
  const found: Problem[] = [];
  const file = mapping ? environmentSpec(raw, "", { problems: found, lineOf: (p: string) => lines.get(p) }) : undefined;
  problems.push(...found.filter((p) => !unset.has(p.path)));
  if (problems.length > 0 || !file) {
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    const rendered = problems.map((p) =>
      `${shownPath}${p.line ? `:${p.line}` : ""}: ${p.path || "(root)"}: ${p.message}`
    );
    throw new ConfigError(
      problems.length === 1 ? rendered[0] : `${problems.length} problems in ${shownPath}:\n  ${rendered.join("\n  ")}`,
      { file: shownPath, line: problems[0]?.line, problems: rendered },
    );
  }
  return file;
}

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g;

/** Expand `${VAR}` and `${VAR:-default}` in every string; `$$` is a literal `$`. */
export function expandEnv(
  value: unknown,
  path: string,
  lookup: EnvLookup,
  problems: Problem[],
  lineOf: (p: string) => number | undefined,
): unknown {
  if (typeof value === "string") {
    return value.replace(VAR, (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === "$$") return "$";
      const v = lookup(name!);
      if (v !== undefined && (v !== "" || fallback === undefined)) return v;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set`, line: lineOf(path) });
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${path}[${i}]`, lookup, problems, lineOf));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, path ? `${path}.${k}` : k, lookup, problems, lineOf)]),
    );
  }
  return value;
}

function hasParts(f: EnvironmentFile): boolean {
  return f.host !== undefined || f.port !== undefined || f.user !== undefined || f.database !== undefined;
}

function partsToUrl(f: EnvironmentFile): string {
  const block: Partial<Exclude<EnvironmentFile["database"], string | undefined>> = typeof f.database === "object"
    ? f.database
    : {};
  const dbname = typeof f.database === "string" ? f.database : block.database ?? block.name;
  const pairs: [string, string | number | undefined][] = [
    ["host", f.host ?? block.host ?? "localhost"],
    ["port", f.port ?? block.port],
    ["dbname", dbname],
    ["user", f.user ?? block.user],
    ["password", f.password ?? block.password],
    ["sslmode", f.sslmode ?? block.sslmode],
  ];
  return pairs
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}='${String(v).replace(/['\\]/g, "\\$&")}'`)
    .join(" ");
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const t = parseDatabaseUrl(url, () => undefined);
    return t.kind === "server" ? t.password : undefined;
  } catch {
    return undefined;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}

function stem(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.(ya?ml)$/i, "");
}

function displayPath(path: string, projectDir: string): string {
  const rel = relative(projectDir, path);
  return rel.startsWith("..") ? path : rel;
}
