/**
 * Standard streams adapter.
 *
 * @module
 */
const encoder = new TextEncoder();

function writeAll(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  const data = encoder.encode(text);
  let off = 0;
  while (off < data.length) off += stream.writeSync(data.subarray(off));
}

/** Write text to stdout (synchronously, so output order is exact). */
export function writeStdout(text: string): void {
  writeAll(Deno.stdout, text);
}

/** Write text to stderr. */
export function writeStderr(text: string): void {
  writeAll(Deno.stderr, text);
}

/** Whether a standard stream is a terminal. */
export function isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean {
  try {
    return Deno[stream].isTerminal();
  } catch {
    return false;
  }
}

/** Ask a yes/no question on a terminal; false when stdin is not a terminal. */
export async function confirm(question: string): Promise<boolean> {
  if (!isTerminal("stdin")) return false;
  writeStderr(`${question} [y/N] `);
  const buf = new Uint8Array(256);
  const n = await Deno.stdin.read(buf);
  if (n === null) return false;
  return /^y(es)?$/i.test(new TextDecoder().decode(buf.subarray(0, n)).trim());
}
