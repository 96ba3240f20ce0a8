/**
 * SIGINT and SIGTERM as an AbortSignal, so a long command stops cleanly: the library cancels
 * the running statement, releases its lock and reports what is left. Without it the runtime
 * would exit at once, leaving the server to notice the lost client.
 *
 * @module
 */

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** An AbortSignal fired by the first SIGINT/SIGTERM (its `reason` is the signal's name); dispose to stop listening. */
export function interruptSignal(): { signal: AbortSignal } & Disposable {
  const controller = new AbortController();
  const handlers = SIGNALS.map((name) => {
    const handler = () => {
      if (!controller.signal.aborted) controller.abort(name);
    };
    try {
      Deno.addSignalListener(name, handler);
    } catch {
      // not supported on this platform (SIGTERM on Windows): the runtime default applies
    }
    return { name, handler };
  });
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      for (const { name, handler } of handlers) {
        try {
          Deno.removeSignalListener(name, handler);
        } catch {
          // never added
        }
      }
    },
  };
}
