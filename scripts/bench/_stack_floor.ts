/**
 * The start-up floor of Confiture's stack under `deno run`: import the command-line parser and
 * the server driver the CLI is built on, and exit. Nothing is connected or parsed.
 *
 * Run: `deno run -A scripts/bench/_stack_floor.ts`
 */
import { Command } from "@commander-js/extra-typings";
import postgres from "postgres";

if (typeof Command !== "function" || typeof postgres !== "function") Deno.exit(1);
