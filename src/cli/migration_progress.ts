/**
 * Feedback while migrations run, fed by the library's `migration.*` events, on stderr. On a
 * terminal one live line is redrawn in place: the migration, its statement k of n when it runs
 * statement by statement, and the time since it started; it is cleared before any other line
 * and when the run ends. Elsewhere (a pipe, a CI log) nothing animates: a line when each
 * migration starts, and a heartbeat while one statement runs longer than the heartbeat
 * interval (10 s), so a log never goes silent for long. `--quiet` prints none of it.
 *
 * `up` sends transactional migrations ahead of each other (see `migrate/pipeline.ts`), so a
 * start event says a migration was sent, not that the server runs it: the server runs them in
 * order, so the one running is the oldest sent and not yet done, and that is the one shown.
 *
 * @module
 */
import type { ConfitureEvent, EventSink } from "../events.ts";
import { getEnv } from "../platform/env.ts";
import { writeStderr } from "../platform/stdio.ts";
import { animationEnabled, type Output } from "./output.ts";

/** The heartbeat interval off a terminal. */
export const HEARTBEAT_MS = 10_000;

/** Where and how to draw. */
export interface MigrationProgressOptions {
  /** stderr is a terminal that can redraw a line. */
  tty: boolean;
  /** Print nothing (`--quiet`). */
  quiet: boolean;
  /** Off a terminal, one line per statement of a statement-by-statement file. */
  verbose?: boolean;
  write: (text: string) => void;
  /** Off a terminal, a heartbeat after this long in one statement, and again every as long. */
  heartbeatMs?: number;
  /** Milliseconds since some origin; injectable for tests. */
  now?: () => number;
  /** Call `tick` every `everyMs` until the returned function is called; injectable for tests. */
  schedule?: (tick: () => void, everyMs: number) => () => void;
}

interface Running {
  direction: "up" | "down";
  label: string;
  stepwise: boolean;
  total: number;
  /** The statement now running (1-based), once a `migration.statement` came. */
  index?: number;
  startedAt: number;
  statementAt: number;
  lastBeat: number;
}

/** Renders `migration.start` / `migration.statement` / `migration.done` around the other events. */
export class MigrationProgress {
  readonly #queue: Running[] = [];
  readonly #now: () => number;
  readonly #heartbeatMs: number;
  #lineOpen = false;
  #stop: (() => void) | undefined;

  constructor(private readonly options: MigrationProgressOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#heartbeatMs = Math.max(1, options.heartbeatMs ?? HEARTBEAT_MS);
  }

  /**
   * Handle one event; `render` prints the events this class does not (a done line, a warning),
   * called after the live line is cleared and before it is drawn again.
   */
  event(e: ConfitureEvent, render: (e: ConfitureEvent) => void): void {
    if (this.options.quiet) {
      render(e);
      return;
    }
    switch (e.type) {
      case "migration.start": {
        const now = this.#now();
        this.#queue.push({
          direction: e.direction,
          label: `${e.version}_${e.name}`,
          stepwise: e.stepwise,
          total: e.statements,
          startedAt: now,
          statementAt: now,
          lastBeat: now,
        });
        if (this.#queue.length === 1) this.#begin();
        return;
      }
      case "migration.statement": {
        const m = this.#find(`${e.version}_${e.name}`);
        if (!m) return;
        const now = this.#now();
        [m.index, m.total, m.statementAt, m.lastBeat] = [e.index, e.total, now, now];
        if (m !== this.#queue[0]) return;
        if (this.options.tty) this.#draw();
        else if (this.options.verbose) this.options.write(`  ${m.label}: statement ${e.index}/${e.total}\n`);
        return;
      }
      case "migration.done": {
        this.#clear();
        const m = this.#find(`${e.version}_${e.name}`);
        const wasRunning = m !== undefined && m === this.#queue[0];
        if (m) this.#queue.splice(this.#queue.indexOf(m), 1);
        render(e);
        if (this.#queue.length === 0) this.#stopTicking();
        else if (wasRunning) this.#begin();
        else this.#draw();
        return;
      }
      default:
        this.#clear();
        render(e);
        this.#draw();
    }
  }

  /** Called periodically: redraw the live line, or print a heartbeat when one is due. */
  tick(): void {
    const m = this.#queue[0];
    if (!m) return;
    if (this.options.tty) {
      this.#draw();
      return;
    }
    const now = this.#now();
    if (now - m.lastBeat < this.#heartbeatMs) return;
    m.lastBeat = now;
    const statement = m.stepwise && m.index !== undefined ? ` (statement ${m.index}/${m.total})` : "";
    const since = m.stepwise && m.index !== undefined ? m.statementAt : m.startedAt;
    this.options.write(`… still running ${m.label}${statement}, ${elapsed(now - since)}\n`);
  }

  /** Clear the live line and stop ticking: before an error is printed, and at the end. */
  close(): void {
    this.#clear();
    this.#stopTicking();
    this.#queue.length = 0;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The oldest migration sent becomes the one running. */
  #begin(): void {
    const m = this.#queue[0];
    const now = this.#now();
    [m.startedAt, m.statementAt, m.lastBeat] = [now, now, now];
    if (this.options.tty) this.#draw();
    else {
      const how = m.stepwise ? ` (${m.total} statement${m.total === 1 ? "" : "s"}, one at a time)` : "";
      this.options.write(`${verb(m.direction)} ${m.label}${how}…\n`);
    }
    if (!this.#stop) {
      const schedule = this.options.schedule ?? every;
      this.#stop = schedule(() => this.tick(), this.options.tty ? 100 : Math.min(1000, this.#heartbeatMs));
    }
  }

  #find(label: string): Running | undefined {
    return this.#queue.find((m) => m.label === label);
  }

  #draw(): void {
    const m = this.#queue[0];
    if (!this.options.tty || !m) return;
    const statement = m.stepwise && m.index !== undefined ? `  statement ${m.index}/${m.total}` : "";
    this.options.write(`\r\x1b[2K${verb(m.direction)} ${m.label}${statement}  ${elapsed(this.#now() - m.startedAt)}`);
    this.#lineOpen = true;
  }

  #clear(): void {
    if (!this.#lineOpen) return;
    this.options.write("\r\x1b[2K");
    this.#lineOpen = false;
  }

  #stopTicking(): void {
    this.#stop?.();
    this.#stop = undefined;
  }
}

/**
 * The event sink of a command that runs migrations: progress as above, every other event as
 * `out` renders it. Dispose it (`using`) so the live line is gone before an error is printed.
 */
export function migrationEvents(out: Output): MigrationProgress & { onEvent: EventSink } {
  const heartbeat = Number(getEnv("CONFITURE_HEARTBEAT_MS"));
  const progress = new MigrationProgress({
    tty: animationEnabled(getEnv),
    quiet: out.options.quiet,
    verbose: out.options.verbose,
    write: (text) => writeStderr(text),
    heartbeatMs: Number.isFinite(heartbeat) && heartbeat > 0 ? heartbeat : undefined,
  });
  return Object.assign(progress, { onEvent: (e: ConfitureEvent) => progress.event(e, (x) => out.event(x)) });
}

function every(tick: () => void, everyMs: number): () => void {
  const id = setInterval(tick, everyMs);
  return () => clearInterval(id);
}

function verb(direction: "up" | "down"): string {
  return direction === "up" ? "Applying" : "Rolling back";
}

/** `0.4 s`, `12.4 s`, `3 min 05 s`. */
export function elapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 59.95) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}
