/**
 * Statements that release the deployment lock. `migrate up` holds a session-level advisory
 * lock (src/migrate/lock.ts) on the very session that runs the migrations; a migration that
 * releases it lets a second deployer in while this one is still applying, and both run the
 * same migrations. Checked on a real server: `DISCARD ALL`, `pg_advisory_unlock_all()` and
 * `pg_advisory_unlock(classid, objid)` release it; `RESET ALL`, `DISCARD PLANS/TEMP/SEQUENCES`,
 * `SET SESSION AUTHORIZATION` and `SET ROLE` do not.
 *
 * @module
 */
import { LOCK_CLASSID } from "../config/defaults.ts";
import { constantText, nameList, walk } from "./ast.ts";
import type { Node, Statement } from "../sql/split.ts";
import type { RawFinding } from "./rule_context.ts";

// In a DO block's body, which is text to this parser: a call by name, or DISCARD ALL.
const BODY_RELEASE = /\b(pg_advisory_unlock_all|pg_advisory_unlock)\s*\(|\bdiscard\s+all\b/i;

/** Findings for a statement that would release the migration lock. */
export function checkSessionRules(stmt: Statement): RawFinding[] {
  const n = stmt.node;
  const found = (what: string): RawFinding[] => [{
    rule: "releases-migration-lock",
    stmt,
    message: `${what} releases the deployment lock that migrate up holds on this session: a second deployer ` +
      "could start while this one is still applying",
  }];
  if (stmt.type === "DiscardStmt" && n.target === "DISCARD_ALL") return found("DISCARD ALL");
  if (stmt.type === "DoStmt") {
    const body = (n.args ?? []).find((a: Node) => a.DefElem?.defname === "as")?.DefElem.arg?.String?.sval;
    const m = typeof body === "string" ? BODY_RELEASE.exec(body) : null;
    if (m) return found(`The DO block's ${m[1] ? `${m[1].toLowerCase()}()` : "DISCARD ALL"}`);
    return [];
  }
  let call: string | undefined;
  walk(n, (key, value) => {
    if (call || key !== "FuncCall") return;
    const name = nameList(value.funcname).at(-1)?.toLowerCase();
    if (name === "pg_advisory_unlock_all") call = "pg_advisory_unlock_all()";
    if (name === "pg_advisory_unlock" && releasesOurs(value.args ?? [])) call = "pg_advisory_unlock(…)";
  });
  return call ? found(call) : [];
}

// The two-key form with Confiture's class id, or keys that cannot be read here.
function releasesOurs(args: Node[]): boolean {
  if (args.length !== 2) return false;
  const classid = constantText(args[0]);
  return classid === undefined || Number(classid) === LOCK_CLASSID;
}
