/**
 * COPY streams over postgres.js, as Web streams. This is the one file that reaches into the
 * driver's private state, because its public API leaves two holes (both for the version pinned
 * in deno.json, `npm:postgres@3.4.9`; `_postgres_copy_test.ts` pins each assumption so an
 * upgrade that breaks one fails there first):
 *
 * 1. A COPY OUT stream's `_read()` resumes the paused socket. postgres.js pauses the socket
 *    when the stream's buffer fills and resumes it only from the stream's read(); if the pause
 *    lands on the last rows nothing reads again and the connection stays paused.
 * 2. A COPY IN query's `reject` is where an error the server sends after the data (a
 *    constraint violated mid-COPY) arrives: the public promise has already resolved with the
 *    stream, so without wrapping `reject` the stream would never finish.
 *
 * @module
 */
import type postgres from "postgres";
import { Readable, type Writable } from "node:stream";
import type { ReadableStream as NodeWebReadable } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { normalizeDbError } from "./errors.ts";

/** The driver version whose private state this file relies on (checked by its test). */
export const POSTGRES_JS_VERSION = "3.4.9";

type AnySql =
  | postgres.Sql<Record<string, never>>
  | postgres.TransactionSql<Record<string, never>>
  | postgres.ReservedSql<Record<string, never>>;

/** Races a driver call against the loss of its connection (the adapter's `settle`). */
export type Settle = <T>(call: Promise<T>) => Promise<T>;

/** A COPY OUT stream as postgres.js hands it out, with the private `_read` of hole 1. */
export type CopyOutStream = Readable & { _read?: () => void };

/** A COPY IN query as postgres.js builds it, with the private `reject` of hole 2. */
export type CopyInQuery = Promise<unknown> & { writable(): Promise<Writable>; reject: (e: unknown) => void };

const COPY_CHUNK = 64 * 1024;

/** `COPY … TO STDOUT` as a byte stream of ~64 KiB chunks; cancelling it stops the server. */
export function copyOutStream(sql: AnySql, text: string, label: string, settle: Settle): ReadableStream<Uint8Array> {
  let query: (Promise<unknown> & { cancel(): unknown; readable(): Promise<CopyOutStream> }) | undefined;
  let readable: CopyOutStream | undefined;
  let ended = false;
  let cancelled = false;
  // Hole 1. Never after the connection closed: postgres.js would resume a socket it let go of.
  const resumeSocket = () => {
    try {
      readable?._read?.();
    } catch {
      // the connection is gone; its error reaches the stream's reader
    }
  };
  // postgres.js pushes one chunk per CopyData message (a row). They are gathered into
  // ~64 KiB chunks from 'data' events, with no promise per row; the Node stream is paused
  // while the web stream's queue is full and resumed from pull().
  let chunk = new Uint8Array(COPY_CHUNK);
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (readable) {
        readable.resume();
        return;
      }
      const flush = () => {
        if (size === 0) return;
        controller.enqueue(chunk.subarray(0, size));
        chunk = new Uint8Array(COPY_CHUNK);
        size = 0;
      };
      try {
        query = sql.unsafe(text) as unknown as typeof query;
        readable = await settle(query!.readable());
      } catch (e) {
        controller.error(normalizeDbError(e, label));
        return;
      }
      readable.on("data", (data: Uint8Array) => {
        if (size + data.length > COPY_CHUNK) {
          flush();
          // A row longer than a chunk moves on whole.
          if (data.length > COPY_CHUNK) return controller.enqueue(data);
        }
        chunk.set(data, size);
        size += data.length;
        if (size >= COPY_CHUNK - 1024) flush();
        if ((controller.desiredSize ?? 1) <= 0) readable!.pause();
      });
      readable.once("end", () => {
        ended = true;
        if (cancelled) return;
        flush();
        resumeSocket();
        controller.close();
      });
      readable.once("error", (e: unknown) => {
        ended = true;
        resumeSocket();
        if (cancelled) return;
        controller.error(normalizeDbError(e, label));
      });
    },
    async cancel() {
      // Stop the server, then drain what is already in flight: an abandoned COPY OUT would
      // leave the connection paused mid-stream for the next query.
      cancelled = true;
      if (!readable || ended) return;
      const stream = readable;
      query?.cancel();
      query?.catch(() => {});
      await new Promise<void>((resolve) => {
        stream.removeAllListeners("data");
        stream.on("data", () => {});
        stream.once("end", resolve);
        stream.once("error", () => resolve());
        stream.once("close", () => resolve());
        stream.resume();
      });
      resumeSocket();
    },
  }, { highWaterMark: 2 });
}

/** `COPY … FROM STDIN` fed from `data`; an error the server raises mid-COPY rejects. */
export async function copyInStream(
  sql: AnySql,
  text: string,
  data: ReadableStream<Uint8Array>,
  label: string,
  settle: Settle,
): Promise<void> {
  const query = sql.unsafe(text) as unknown as CopyInQuery;
  try {
    const writable = await settle(query.writable());
    // Hole 2: catch the server's late error where postgres.js reports it.
    let serverFailed!: (e: unknown) => void;
    const failure = new Promise<never>((_, reject) => (serverFailed = reject));
    const originalReject = query.reject;
    query.reject = (e: unknown) => {
      serverFailed(e);
      originalReject(e);
    };
    const source = Readable.fromWeb(data as NodeWebReadable<Uint8Array>);
    try {
      await settle(Promise.race([pipeline(source, writable), failure]));
    } catch (e) {
      source.destroy();
      throw e;
    }
  } catch (e) {
    throw normalizeDbError(e, label);
  }
}
