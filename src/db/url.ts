/**
 * Connection targets: `postgres://` / `postgresql://` URLs and `key=value` strings read the way
 * libpq reads them (including `host=/socket/dir`, `sslmode`, and PG* environment fallbacks),
 * plus `pglite:memory` and `pglite:./dir` for the embedded engine.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** libpq sslmode values. */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** Where and how to connect to a PostgreSQL server. */
export interface ServerTarget {
  kind: "server";
  /** Host name, IP address, or an absolute unix-socket directory. */
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  sslmode: SslMode;
  applicationName: string;
  connectTimeoutSeconds?: number;
  /** Value of the libpq `options` parameter (e.g. `-c search_path=app`). */
  options?: string;
}

/** An embedded PGlite database, in memory or in a directory. */
export interface PgliteTarget {
  kind: "pglite";
  /** Absent for `pglite:memory`. */
  dataDir?: string;
}

/** Any database Confiture can open. */
export type DatabaseTarget = ServerTarget | PgliteTarget;

const SSL_MODES: readonly SslMode[] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
const KNOWN_PARAMS = new Set([
  "host",
  "hostaddr",
  "port",
  "dbname",
  "user",
  "password",
  "sslmode",
  "application_name",
  "connect_timeout",
  "options",
  "target_session_attrs",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "gssencmode",
  "channel_binding",
  "fallback_application_name",
  "keepalives",
  "keepalives_idle",
  "passfile",
]);

/** Environment lookup used for PG* fallbacks; injectable for tests. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * Parse a connection string into a target.
 *
 * @example
 * ```ts
 * parseDatabaseUrl("postgres://app@db:6432/shop?sslmode=require", () => undefined);
 * // { kind: "server", host: "db", port: 6432, user: "app", database: "shop", sslmode: "require", ... }
 * ```
 */
export function parseDatabaseUrl(url: string, env: EnvLookup, baseDir?: string): DatabaseTarget {
  const text = url.trim();
  if (text === "") throw new ConfigError("database_url is empty");
  if (/^pglite:/i.test(text)) return parsePglite(text, baseDir);
  if (/^postgres(ql)?:\/\//i.test(text)) return fromParams(parseUri(text), env);
  if (/^\s*[a-z_]+\s*=/i.test(text)) return fromParams(parseKeywordValue(text), env);
  throw new ConfigError(
    `Invalid database URL ${redactUrl(text)}: expected postgres://, postgresql://, key=value pairs, or pglite:`,
  );
}

function parsePglite(text: string, baseDir?: string): PgliteTarget {
  const rest = text.slice("pglite:".length).replace(/^\/\//, "");
  if (rest === "" || rest === "memory" || rest === ":memory:") return { kind: "pglite" };
  const dir = rest.startsWith("/") || !baseDir ? rest : joinPath(baseDir, rest);
  return { kind: "pglite", dataDir: dir };
}

function joinPath(base: string, rel: string): string {
  const clean = rel.replace(/^\.\//, "");
  return base.endsWith("/") ? base + clean : `${base}/${clean}`;
}

type Params = Map<string, string>;

/**
 * A password written without percent-encoding may hold `@ / ? #`: `user:pass` runs to the last
 * `@`, when what precedes it is `user:` and something the URL grammar would cut short.
 */
function splitUnencodedUserinfo(text: string): { userinfo: string; rest: string } | undefined {
  const scheme = /^postgres(?:ql)?:\/\//i.exec(text)![0];
  const body = text.slice(scheme.length);
  const at = body.lastIndexOf("@");
  if (at < 0) return undefined;
  const userinfo = body.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0 || /[/?#@]/.test(userinfo.slice(0, colon)) || !/[/?#@]/.test(userinfo.slice(colon + 1))) {
    return undefined;
  }
  return { userinfo, rest: scheme + body.slice(at + 1) };
}

function parseUri(text: string): Params {
  const params: Params = new Map();
  const unencoded = splitUnencodedUserinfo(text);
  const m = /^postgres(?:ql)?:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(unencoded?.rest ?? text);
  if (!m) throw new ConfigError(`Invalid database URL ${redactUrl(text)}`);
  let authority = m[1];
  const at = unencoded ? 0 : authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = unencoded?.userinfo ?? authority.slice(0, at);
    if (!unencoded) authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(":");
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (user) params.set("user", decode(user, text));
    if (colon >= 0) params.set("password", decode(userinfo.slice(colon + 1), text));
  }
  if (authority) {
    if (authority.includes(",")) {
      throw new ConfigError(`Multiple hosts are not supported in ${redactUrl(text)}`);
    }
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
    if (!hp) throw new ConfigError(`Invalid host in ${redactUrl(text)}`);
    const host = hp[1].startsWith("[") ? hp[1].slice(1, -1) : decode(hp[1], text);
    if (host) params.set("host", host);
    if (hp[2] !== undefined && hp[2] !== "") params.set("port", hp[2]);
  }
  if (m[2]) params.set("dbname", decode(m[2], text));
  if (m[3]) {
    for (const pair of m[3].split("&")) {
      if (!pair) continue;
      const eq = pair.indexOf("=");
      const key = decode(eq >= 0 ? pair.slice(0, eq) : pair, text);
      const value = decode(eq >= 0 ? pair.slice(eq + 1) : "", text);
      if (!KNOWN_PARAMS.has(key)) {
        throw new ConfigError(`Unknown connection parameter "${key}" in ${redactUrl(text)}`);
      }
      params.set(key, value);
    }
  }
  return params;
}

function decode(s: string, whole: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, "%20"));
  } catch {
    throw new ConfigError(`Invalid percent-encoding in ${redactUrl(whole)}`);
  }
}

function parseKeywordValue(text: string): Params {
  const params: Params = new Map();
  const re = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/giy;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new ConfigError("Invalid key=value connection string");
    const key = m[1].toLowerCase();
    if (!KNOWN_PARAMS.has(key)) throw new ConfigError(`Unknown connection parameter "${key}"`);
    params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]);
    pos = re.lastIndex;
  }
  return params;
}

function fromParams(p: Params, env: EnvLookup): ServerTarget {
  const get = (key: string, envName: string) => p.get(key) ?? nonEmpty(env(envName));
  const user = get("user", "PGUSER") ?? nonEmpty(env("USER")) ?? "postgres";
  const host = p.get("host") ?? p.get("hostaddr") ?? nonEmpty(env("PGHOST")) ?? "/var/run/postgresql";
  const portText = get("port", "PGPORT") ?? "5432";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`Invalid port "${portText}" in database URL`);
  }
  const sslmode = (get("sslmode", "PGSSLMODE") ?? "prefer") as SslMode;
  if (!SSL_MODES.includes(sslmode)) {
    throw new ConfigError(`Invalid sslmode "${sslmode}"; expected one of ${SSL_MODES.join(", ")}`);
  }
  const timeout = get("connect_timeout", "PGCONNECT_TIMEOUT");
  return {
    kind: "server",
    host,
    port,
    user,
    password: get("password", "PGPASSWORD"),
    database: get("dbname", "PGDATABASE") ?? user,
    sslmode,
    applicationName: get("application_name", "PGAPPNAME") ?? "confiture",
    connectTimeoutSeconds: timeout ? Number(timeout) : undefined,
    options: get("options", "PGOPTIONS"),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** A printable label for a target: never contains the password. */
export function describeTarget(t: DatabaseTarget): string {
  if (t.kind === "pglite") return t.dataDir ? `pglite:${t.dataDir}` : "pglite:memory";
  const host = t.host.startsWith("/") ? `[socket ${t.host}]` : t.host.includes(":") ? `[${t.host}]` : t.host;
  return `postgres://${encodeURIComponent(t.user)}@${host}:${t.port}/${encodeURIComponent(t.database)}`;
}

/**
 * Replace the password in any URL-looking or key=value text with `***`. The password runs to the
 * last `@` of the URL, so one written with an unencoded `@ / ? #` is hidden whole.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)[^\s"']*@/gi, "$1***@")
    .replace(/([?&]password=)[^&\s]*/gi, "$1***")
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, "$1***");
}
