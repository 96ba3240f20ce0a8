/**
 * What a user types out of habit from other tools, turned into what Confiture understands or
 * into a hint: `confiture help migrate up` (git's and cargo's form) and `migrate create`/`new`
 * (dbmate's `new`, golang-migrate's `create`) for `migrate generate`.
 *
 * @module
 */

/** `help A B …` → `A B … --help`, so help is shown for the command named, however deep. */
export function rewriteHelp(args: string[]): string[] {
  if (args[0] !== "help" || args.length < 2) return args;
  return [...args.slice(1), "--help"];
}

const SYNONYMS: Record<string, Record<string, string>> = {
  migrate: { create: "generate", new: "generate", add: "generate", make: "generate", rollback: "down" },
};

/**
 * The hint for an unknown command that another tool's users would type, e.g. `migrate create`:
 * the Confiture command that does it, with the user's own arguments. Undefined otherwise.
 */
export function synonymHint(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  const to = SYNONYMS[words[0]]?.[words[1]];
  if (!to) return undefined;
  // The user's arguments up to the first option (whose values would read as names).
  const after = args.slice(args.indexOf(words[1]) + 1);
  const firstOption = after.findIndex((a) => a.startsWith("-"));
  const rest = firstOption === -1 ? after : after.slice(0, firstOption);
  return `Confiture calls this \`${words[0]} ${to}\`: confiture ${words[0]} ${to}${
    rest.length ? ` ${rest.join(" ")}` : to === "generate" ? " NAME" : ""
  }`;
}
