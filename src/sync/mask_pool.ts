/**
 * Masking on worker threads: whole-line COPY chunks are handed out round-robin and their
 * results put back in order. A few chunks are in flight at a time, so memory stays bounded
 * while the COPY streams, the workers and the main thread run side by side.
 *
 * @module
 */
import type { MaskChunk, MaskInit, MaskReply } from "./mask_worker.ts";
import type { MaskedColumn, Rule } from "./strategies.ts";

/** A masking stream backed by workers; `dispose` stops the workers (safe to call twice). */
export interface MaskPool {
  stream: TransformStream<Uint8Array, Uint8Array>;
  dispose(): void;
}

/** Start `workers` workers that mask `fields`; chunks must hold whole lines. */
export function maskOnWorkers(
  fields: { index: number; rule: Rule; column: MaskedColumn }[],
  key: Uint8Array | undefined,
  workers: number,
  onRows: (rows: number) => void,
): MaskPool {
  const pool: Worker[] = [];
  const waiting = new Map<
    number,
    { resolve: (r: { data: Uint8Array; rows: number }) => void; reject: (e: Error) => void }
  >();
  const init: MaskInit = { type: "init", key: key ?? null, fields };
  for (let i = 0; i < workers; i++) {
    const w = new Worker(new URL("./mask_worker.ts", import.meta.url).href, { type: "module" });
    w.onmessage = (event: MessageEvent<MaskReply>) => {
      const reply = event.data;
      const waiter = waiting.get(reply.id);
      waiting.delete(reply.id);
      if ("error" in reply) waiter?.reject(new Error(`masking failed: ${reply.error}`));
      else waiter?.resolve(reply);
    };
    w.onerror = (event) => {
      event.preventDefault();
      for (const waiter of waiting.values()) waiter.reject(new Error(`masking worker failed: ${event.message}`));
      waiting.clear();
    };
    w.postMessage(init);
    pool.push(w);
  }
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const w of pool) w.terminate();
  };
  let next = 0;
  const inFlight: Promise<{ data: Uint8Array; rows: number }>[] = [];
  const maxInFlight = workers * 2;
  const emit = async (controller: TransformStreamDefaultController<Uint8Array>) => {
    const { data, rows } = await inFlight.shift()!;
    controller.enqueue(data);
    onRows(rows);
  };
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      const id = next++;
      // Copy: the chunk may view a larger driver buffer, and we transfer ours to the worker.
      const data = chunk.slice();
      const result = new Promise<{ data: Uint8Array; rows: number }>((resolve, reject) =>
        waiting.set(id, { resolve, reject })
      );
      // Awaited in order below; until then a failure must not count as unhandled.
      result.catch(() => {});
      inFlight.push(result);
      pool[id % pool.length].postMessage({ type: "chunk", id, data } satisfies MaskChunk, [data.buffer]);
      while (inFlight.length >= maxInFlight) await emit(controller);
    },
    async flush(controller) {
      try {
        while (inFlight.length > 0) await emit(controller);
      } finally {
        dispose();
      }
    },
  });
  return { stream, dispose };
}
