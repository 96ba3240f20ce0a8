/**
 * Preloaded by `deno task test`: every test gets a deadline, so a deadlock fails its test with
 * a message instead of hanging the run (CI would only see its own time limit).
 * CONFITURE_TEST_TIMEOUT_S overrides the default of 300 s per test.
 *
 * @module
 */
const seconds = Number(Deno.env.get("CONFITURE_TEST_TIMEOUT_S") ?? "300");
const original = Deno.test;

type Fn = (t: Deno.TestContext) => void | Promise<void>;

function withDeadline(name: string, fn: Fn): Fn {
  return async (t) => {
    let timer: number | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`test "${name}" did not finish within ${seconds} s (CONFITURE_TEST_TIMEOUT_S)`)),
        seconds * 1000,
      );
    });
    try {
      await Promise.race([fn(t), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

// deno-lint-ignore no-explicit-any
function test(this: unknown, ...args: any[]): void {
  if (typeof args[0] === "object" && args[0] !== null && typeof args[0].fn === "function") {
    const def = args[0] as Deno.TestDefinition;
    return original.call(this, { ...def, fn: withDeadline(def.name, def.fn) });
  }
  if (typeof args[0] === "string" && typeof args[args.length - 1] === "function") {
    const fn = args[args.length - 1] as Fn;
    const rest = args.slice(1, -1);
    return original.call(this, args[0], ...rest, withDeadline(args[0], fn));
  }
  // deno-lint-ignore no-explicit-any
  return (original as any).apply(this, args);
}

Object.assign(test, original);
Deno.test = test as typeof Deno.test;
