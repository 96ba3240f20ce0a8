/**
 * Terminal output for the CLI: results on stdout, the story on stderr, passwords nowhere.
 *
 * @module
 */
import { type ConfitureError, locate } from "../errors.ts";
import type { ConfitureEvent } from "../events.ts";
import { redact } from "../redact.ts";
import { isTerminal, writeStderr, writeStdout } from "../platform/stdio.ts";
import { jsonDocument, writeJson } from "./json_document.ts";
import { CommandRun } from "./run.ts";

/** Output format selected with `--format`. */
export type Format = "text" | "json";

/** Options that shape output, from global flags and the environment. */
export interface OutputOptions {
  format: Format;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

/** Writes results, progress and errors for one command run. */
export class Output {
  readonly secrets: string[] = [];
  /** `run` receives the held JSON result (default: a run of its own). */
  constructor(readonly options: OutputOptions, readonly run: CommandRun = new CommandRun()) {}

  get json(): boolean {
    return this.options.format === "json";
  }

  /** Register a secret that must never be printed. */
  addSecrets(secrets: readonly string[]): void {
    for (const s of secrets) if (s && !this.secrets.includes(s)) this.secrets.push(s);
  }

  /**
   * Print the command's result: the human text now, or (JSON) held until the command ends, then
   * printed as one snake_case object with a boolean `ok` (docs/json.md).
   */
  result(data: unknown, human: () => string): void {
    if (this.json) this.run.hold(data, this.secrets);
    else {
      const text = human();
      if (text) writeStdout(redact(text.endsWith("\n") ? text : text + "\n", this.secrets));
    }
  }

  /** A progress or information line on stderr (suppressed by --quiet). */
  info(message: string): void {
    if (!this.options.quiet) writeStderr(redact(message, this.secrets) + "\n");
  }

  /** A detail line shown only with --verbose. */
  debug(message: string): void {
    if (this.options.verbose) writeStderr(redact(message, this.secrets) + "\n");
  }

  /** A warning on stderr; always shown. */
  warn(message: string): void {
    writeStderr(redact(`${this.paint("33", "warning:")} ${message}`, this.secrets) + "\n");
  }

  /** Render a library progress event on stderr. */
  event(e: ConfitureEvent): void {
    switch (e.type) {
      case "lock.waiting":
        if (e.lock) {
          this.info(
            `Waiting for ${e.lock}${
              e.holder
                ? `, held by pid ${e.holder.pid} (${e.holder.application_name || "unknown application"}${
                  e.holder.client_addr ? ` from ${e.holder.client_addr}` : ""
                }, query started ${e.holder.query_start ?? "at an unknown time"})`
                : ""
            }…`,
          );
          break;
        }
        this.info(
          `Waiting for ${e.resource ?? "the migration lock"}${
            e.holder
              ? ` held by pid ${e.holder.pid} (${e.holder.application_name || "unknown application"}${
                e.holder.client_addr ? ` from ${e.holder.client_addr}` : ""
              })`
              : ""
          }…`,
        );
        break;
      case "lock.acquired":
        // A table lock is announced only after a wait began, so its end is always worth a line.
        if (e.waitedMs > 50 || e.resource) {
          this.info(`Acquired ${e.resource ?? "the migration lock"} after ${e.waitedMs} ms`);
        }
        break;
      case "migration.start":
        this.debug(`${e.direction === "up" ? "Applying" : "Rolling back"} ${e.version}_${e.name}…`);
        break;
      case "migration.statement":
        this.debug(`  ${e.version}_${e.name}: statement ${e.index}/${e.total}`);
        break;
      case "migration.done":
        this.info(
          `${this.paint("32", "✓")} ${
            e.direction === "up" ? "applied" : "rolled back"
          } ${e.version}_${e.name} (${e.durationMs} ms)`,
        );
        break;
      case "migration.retry":
        this.warn(`${e.version}_${e.name}: ${e.reason}; retry ${e.attempt} in ${e.delayMs} ms`);
        break;
      case "warning":
        this.warn(e.message);
        break;
      case "info":
        this.info(e.message);
        break;
      case "progress":
        this.debug(`${e.task}: ${e.done}${e.total !== undefined ? `/${e.total}` : ""}${e.unit ? ` ${e.unit}` : ""}`);
        break;
    }
  }

  /** Print an expected failure: the JSON envelope on stdout, or one line on stderr. */
  failure(error: ConfitureError, extra?: Record<string, unknown>): void {
    if (this.json) {
      this.run.drop();
      writeJson(jsonDocument({ ...extra, error: errorObject(error) }, false), this.secrets);
      return;
    }
    const where = locate(error);
    const lines = [
      `${this.paint("31", "error:")} ${where && !error.message.includes(where) ? `${where}: ` : ""}${error.message}`,
    ];
    if (error.detail) lines.push(`  detail: ${error.detail}`);
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    writeStderr(redact(lines.join("\n") + "\n", this.secrets));
  }

  /** Wrap text in an ANSI colour when colours are on. */
  paint(code: string, text: string): string {
    return this.options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** The `error` member of the JSON failure envelope. */
export function errorObject(error: ConfitureError): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    file: error.file ?? null,
    line: error.line ?? null,
    column: error.column ?? null,
    detail: error.detail ?? null,
    hint: error.hint ?? null,
    ...(error.details ? { details: error.details } : {}),
  };
}

/** Whether colours should be used on stderr/stdout. */
export function colorEnabled(getEnv: (n: string) => string | undefined): boolean {
  if (getEnv("NO_COLOR") !== undefined && getEnv("NO_COLOR") !== "") return false;
  if (getEnv("FORCE_COLOR")) return true;
  if (getEnv("TERM") === "dumb") return false;
  return isTerminal("stderr") && isTerminal("stdout");
}

/**
 * Whether progress may redraw a line in place: stderr is a terminal that can (TERM is not
 * `dumb`) and NO_COLOR, which asks for plain output, is unset. Otherwise progress prints lines.
 */
export function animationEnabled(getEnv: (n: string) => string | undefined): boolean {
  if (getEnv("NO_COLOR") !== undefined && getEnv("NO_COLOR") !== "") return false;
  return getEnv("TERM") !== "dumb" && isTerminal("stderr");
}
