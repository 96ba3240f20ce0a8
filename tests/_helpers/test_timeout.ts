/**
 * Preloaded by `deno task test`: every test gets a deadline, so a deadlock fails its test with
 * a message instead of hanging the run (CI would only see its own time limit).
 * CONFITURE_TEST_TIMEOUT_S overrides the default of 300 s per test.
 *
 * @module
 */
const seconds = Number(Deno.env.get("CONFITURE_TEST_TIMEOUT_S") ?? "300");
// deno-lint-ignore no-explicit-any
const original = Deno.test as (...args: any[]) => void;

type Fn = (t: Deno.TestContext) => void | Promise<void>;

function withDeadline(name: string, fn: Fn): Fn {
  return async (t) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
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
function test(...args: any[]): void {
  const [first] = args;
  if (typeof first === "object" && first !== null && typeof first.fn === "function") {
    return original({ ...first, fn: withDeadline(first.name, first.fn) });
  }
  const last = args[args.length - 1];
  if (typeof first === "string" && typeof last === "function") {
    return original(...args.slice(0, -1), withDeadline(first, last));
  }
  return original(...args);
}

Object.assign(test, Deno.test);
Object.defineProperty(Deno, "test", { value: test, writable: true, configurable: true });
