/**
 * The foreign-data wrapper side of schema-to-schema: `setup` gives the target a
 * postgres_fdw server pointing at the source's real host, port and database, a user mapping
 * with the source's real credentials, and the source schemas imported into a staging
 * schema; `cleanup` removes all of it. The password goes into the mapping as a literal and
 * never into a message.
 *
 * @module
 */
import type { Database, Queryable } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import { quoteIdent, quoteLiteral, quoteQualified } from "../db/quote.ts";
import type { ServerTarget } from "../db/url.ts";
import { ConfigError, ConfitureError, ConnectionError, EXIT } from "../errors.ts";
import { CHECKPOINT_TABLE, ensureCheckpointTable } from "./checkpoint.ts";
import { assertDistinctEnds } from "./ends.ts";

/** Where the target server reaches the source, when that differs from how we reach it. */
export interface FdwAddress {
  host?: string;
  port?: number;
}

/** Options for {@link setupForeignServer}. */
export interface SetupOptions {
  /** Staging schema on the target (default `confiture_source`). */
  staging: string;
  /** Source schemas to import. */
  schemas: string[];
  /** Override the host/port the target server uses to reach the source. */
  address?: FdwAddress;
  /** Rows postgres_fdw fetches per round trip. */
  fetchSize?: number;
}

/** What setup did, without any credential. */
export interface SetupResult {
  server: string;
  staging: string;
  /** `host:port/database` as the target server reaches it. */
  source: string;
  user: string;
  passwordSet: boolean;
  schemas: string[];
  /** Foreign tables now in the staging schema. */
  foreignTables: number;
  /** Whether the server already existed (setup was re-run). */
  updated: boolean;
}

/** The foreign server's name for a staging schema. */
export function serverName(staging: string): string {
  return `${staging}_server`;
}

/** Setup could not proceed because of what the target server lacks. */
export class FdwError extends ConfitureError {
  constructor(message: string, options: { hint?: string; detail?: string; cause?: unknown } = {}) {
    super("FDW_UNAVAILABLE", EXIT.failure, message, options);
  }
}

/**
 * Create or refresh the FDW objects on the target, in one transaction: either everything is
 * in place afterwards or nothing changed. Re-running updates the server's address and the
 * credentials and re-imports the schemas.
 */
export async function setupForeignServer(
  target: Database,
  targetInfo: { user: string; database: string },
  sourceDb: Database,
  source: ServerTarget,
  options: SetupOptions,
): Promise<SetupResult> {
  await assertDistinctEnds({ source: sourceDb, target });
  const server = serverName(options.staging);
  const host = options.address?.host ?? source.host;
  const port = options.address?.port ?? source.port;
  await checkSourceSchemas(sourceDb, options.schemas);
  const [avail] = await target.query<{ available: boolean; installed: boolean }>(
    `SELECT count(*) > 0 AS available, bool_or(installed_version IS NOT NULL) AS installed
       FROM pg_available_extensions WHERE name = 'postgres_fdw'`,
  );
  if (!avail.available) {
    throw new FdwError("The target server has no postgres_fdw extension available", {
      hint: "install PostgreSQL's contrib package on the target server (e.g. apt-get install postgresql-contrib-15), " +
        "or use --strategy copy, which needs no FDW",
    });
  }
  try {
    return await target.transaction(async (tx) => {
      if (!avail.installed) await tx.exec("CREATE EXTENSION IF NOT EXISTS postgres_fdw");
      const [existing] = await tx.query<{ options: string[] | null }>(
        "SELECT srvoptions AS options FROM pg_foreign_server WHERE srvname = $1",
        [server],
      );
      const wanted: [string, string][] = [
        ["host", host],
        ["port", String(port)],
        ["dbname", source.database],
        ["fetch_size", String(options.fetchSize ?? 10_000)],
        ["application_name", "confiture-schema-to-schema"],
      ];
      if (source.sslmode !== "prefer") wanted.push(["sslmode", source.sslmode]);
      if (!existing) {
        await tx.exec(
          `CREATE SERVER ${quoteIdent(server)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (${
            wanted.map(([k, v]) => `${k} ${quoteLiteral(v)}`).join(", ")
          })`,
        );
      } else {
        const have = new Set((existing.options ?? []).map((o) => o.slice(0, o.indexOf("="))));
        await tx.exec(
          `ALTER SERVER ${quoteIdent(server)} OPTIONS (${
            wanted.map(([k, v]) => `${have.has(k) ? "SET" : "ADD"} ${k} ${quoteLiteral(v)}`).join(", ")
          })`,
        );
      }
      const credentials = [`user ${quoteLiteral(source.user)}`];
      if (source.password !== undefined) credentials.push(`password ${quoteLiteral(source.password)}`);
      await tx.exec(
        `DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER ${quoteIdent(server)};
         CREATE USER MAPPING FOR CURRENT_USER SERVER ${quoteIdent(server)} OPTIONS (${credentials.join(", ")})`,
      );
      await ensureCheckpointTable(tx, options.staging);
      const stale = await tx.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'f'`,
        [options.staging],
      );
      for (const t of stale) await tx.exec(`DROP FOREIGN TABLE ${quoteQualified(options.staging, t.name)}`);
      for (const schema of options.schemas) {
        await tx.exec(
          `IMPORT FOREIGN SCHEMA ${quoteIdent(schema)} EXCEPT (${quoteIdent(CHECKPOINT_TABLE)}) FROM SERVER ${
            quoteIdent(server)
          } INTO ${quoteIdent(options.staging)}`,
        );
      }
      const [count] = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'f'`,
        [options.staging],
      );
      return {
        server,
        staging: options.staging,
        source: `${host}:${port}/${source.database}`,
        user: source.user,
        passwordSet: source.password !== undefined,
        schemas: options.schemas,
        foreignTables: count.n,
        updated: existing !== undefined,
      };
    });
  } catch (e) {
    throw explainSetupError(e, {
      host,
      port,
      database: source.database,
      targetUser: targetInfo.user,
      targetDatabase: targetInfo.database,
    });
  }
}

async function checkSourceSchemas(source: Queryable, schemas: string[]): Promise<void> {
  const rows = await source.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text::text[])",
    [`{${schemas.map((s) => `"${s.replaceAll('"', '\\"')}"`).join(",")}}`],
  );
  const missing = schemas.filter((s) => !rows.some((r) => r.nspname === s));
  if (missing.length > 0) throw new ConfigError(`The source database has no schema ${missing.join(", ")}`);
  if (schemas.length > 1) {
    // All schemas land in one staging schema, so a name may appear in only one of them.
    const clashes = await source.query<{ relname: string; schemas: string }>(
      `SELECT c.relname, string_agg(n.nspname, ', ' ORDER BY n.nspname) AS schemas
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        GROUP BY c.relname HAVING count(*) > 1`,
      [`{${schemas.map((s) => `"${s.replaceAll('"', '\\"')}"`).join(",")}}`],
    );
    if (clashes.length > 0) {
      throw new ConfigError(
        `Source schemas ${schemas.join(", ")} share table names, which one staging schema cannot hold: ${
          clashes.map((c) => `${c.relname} (${c.schemas})`).join("; ")
        }`,
        { hint: "run setup once per schema with a different staging_schema in each target environment" },
      );
    }
  }
}

function explainSetupError(
  e: unknown,
  at: { host: string; port: number; database: string; targetUser: string; targetDatabase: string },
): unknown {
  const sqlstate = e instanceof DatabaseError ? e.sqlstate : undefined;
  const message = e instanceof Error ? e.message : String(e);
  if (sqlstate === "42501") {
    return new FdwError(`Permission denied on the target while setting up postgres_fdw: ${message}`, {
      hint: `ask a superuser to run, in database ${at.targetDatabase}: CREATE EXTENSION IF NOT EXISTS postgres_fdw; ` +
        `GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO ${at.targetUser}; ` +
        `GRANT CREATE ON DATABASE ${at.targetDatabase} TO ${at.targetUser}`,
      cause: e,
    });
  }
  if (sqlstate === "2F003" || /password is required/i.test(message)) {
    return new FdwError(`postgres_fdw refused to connect without a password: ${message}`, {
      hint: "put the source password in its database_url; only a superuser may map a user without one",
      cause: e,
    });
  }
  if (e instanceof ConnectionError || sqlstate?.startsWith("08") || sqlstate === "28P01" || sqlstate === "28000") {
    return new ConnectionError(
      `The target server could not connect to the source at ${at.host}:${at.port}/${at.database}: ${message}`,
      {
        hint:
          "the address is resolved on the target server; pass --fdw-host/--fdw-port if it reaches the source differently",
        cause: e,
      },
    );
  }
  return e;
}

/** What cleanup removed. */
export interface CleanupResult {
  server: string;
  staging: string;
  droppedServer: boolean;
  droppedSchema: boolean;
}

/** Drop the staging schema (foreign tables and checkpoints), the user mapping and the server. */
export async function cleanupForeignServer(target: Database, staging: string): Promise<CleanupResult> {
  const server = serverName(staging);
  return await target.transaction(async (tx) => {
    const [state] = await tx.query<{ server: boolean; schema: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = $1) AS server,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2) AS schema`,
      [server, staging],
    );
    await tx.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`);
    if (state.server) {
      await tx.exec(`DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER ${quoteIdent(server)};
        DROP SERVER ${quoteIdent(server)} CASCADE`);
    }
    return { server, staging, droppedServer: state.server, droppedSchema: state.schema };
  });
}
