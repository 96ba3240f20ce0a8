/**
 * Per-task progress bars on stderr, fed by library `progress` events. On a terminal one line
 * per task is redrawn in place; elsewhere (a pipe, a CI log) nothing animates: each task
 * prints one line when it finishes, plus plain progress lines with `--verbose`.
 *
 * @module
 */
import type { ConfitureEvent } from "../events.ts";

/** Where and how to draw. */
export interface ProgressOptions {
  /** stderr is a terminal: redraw in place. */
  tty: boolean;
  /** Print intermediate lines when not a terminal. */
  verbose: boolean;
  /** Print nothing (`--quiet`). */
  quiet: boolean;
  write: (text: string) => void;
  /** Milliseconds since some origin; injectable for tests. */
  now?: () => number;
}

interface Task {
  startedAt: number;
  done: number;
  total?: number;
  lastDraw: number;
}

/** Renders `progress` events as bars with rows, rows/s and ETA. */
export class ProgressRenderer {
  readonly #tasks = new Map<string, Task>();
  #open: string | undefined;
  readonly #now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** Handle one event; returns false when it is not a progress event (render it elsewhere). */
  event(e: ConfitureEvent): boolean {
    if (e.type !== "progress") return false;
    if (this.options.quiet) return true;
    const now = this.#now();
    let task = this.#tasks.get(e.task);
    if (!task || (e.done === 0 && task.done > 0)) {
      task = { startedAt: now, done: 0, lastDraw: -Infinity };
      this.#tasks.set(e.task, task);
    }
    task.done = e.done;
    task.total = e.total;
    const finished = e.total !== undefined && e.done === e.total;
    const unit = e.unit ?? "";
    if (this.options.tty) {
      // Redraw at most ~10 times a second, but always draw the end.
      if (!finished && now - task.lastDraw < 100) return true;
      task.lastDraw = now;
      if (this.#open !== undefined && this.#open !== e.task) this.options.write("\n");
      this.options.write(`\r\x1b[2K${formatLine(e.task, task, now, unit, finished)}`);
      this.#open = e.task;
      if (finished) {
        this.options.write("\n");
        this.#open = undefined;
      }
    } else if (finished || (this.options.verbose && e.done > 0)) {
      this.options.write(`${formatLine(e.task, task, now, unit, finished)}\n`);
    }
    return true;
  }

  /** End an open line (before printing anything else on stderr). */
  close(): void {
    if (this.#open !== undefined) this.options.write("\n");
    this.#open = undefined;
  }
}

const WIDTH = 24;

/** One progress line: `name [#####-----] 1,200/5,000 rows 12,000 rows/s ETA 0.3 s`. */
function formatLine(name: string, t: Task, now: number, unit: string, finished: boolean): string {
  const elapsed = Math.max(1, now - t.startedAt) / 1000;
  const rate = t.done / elapsed;
  const fraction = t.total ? Math.min(1, t.done / t.total) : undefined;
  const filled = fraction === undefined ? 0 : Math.round(fraction * WIDTH);
  const bar = fraction === undefined ? "" : `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] `;
  const count = t.total !== undefined && !finished ? `${fmt(t.done)}/${fmt(t.total)}` : fmt(t.done);
  const speed = `${fmt(Math.round(rate))} ${unit}/s`;
  if (finished) return `${name} ${bar}${count} ${unit} in ${seconds(elapsed)}, ${speed}`;
  const eta = t.total !== undefined && rate > 0 ? ` ETA ${seconds(Math.max(0, (t.total - t.done) / rate))}` : "";
  return `${name} ${bar}${count} ${unit} ${speed}${eta}`;
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function seconds(s: number): string {
  return s < 10
    ? `${s.toFixed(1)} s`
    : s < 120
    ? `${Math.round(s)} s`
    : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
