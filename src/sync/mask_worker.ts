/**
 * Worker entry for masking COPY chunks off the main thread, so decoding, HMACs and
 * re-encoding overlap with the COPY streams. Spoken to only by `mask_pool.ts`.
 *
 * @module
 */
import type { FieldRewriter } from "./copy_text.ts";
import { CopyRowRewriter, rewriteCopyChunk } from "./copy_rewrite.ts";
import { HmacSha256 } from "./hmac_sha256.ts";
import { compileRule, type MaskedColumn, type Rule } from "./strategies.ts";

/** The first message: what to mask and with which key. */
export interface MaskInit {
  type: "init";
  key: Uint8Array | null;
  fields: { index: number; rule: Rule; column: MaskedColumn }[];
}

/** One chunk of whole COPY lines. */
export interface MaskChunk {
  type: "chunk";
  id: number;
  data: Uint8Array;
}

/** The reply to a chunk. */
export type MaskReply = { id: number; data: Uint8Array; rows: number } | { id: number; error: string };

let ready: Promise<CopyRowRewriter> | undefined;

/** The worker's global scope, typed here instead of with a lib directive (JSR refuses those). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<MaskInit | MaskChunk>) => void) | null;
  postMessage(message: MaskReply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (event: MessageEvent<MaskInit | MaskChunk>) => {
  const msg = event.data;
  if (msg.type === "init") {
    ready = (async () => {
      const mac = msg.key ? new HmacSha256(msg.key) : undefined;
      const out = new Map<number, FieldRewriter>();
      for (const f of msg.fields) {
        const masker = await compileRule(f.rule, f.column, mac);
        out.set(
          f.index,
          Object.assign((v: string | null) => v === null ? null : masker(v), {
            clean: masker.clean,
            bytes: masker.bytes,
          }),
        );
      }
      return new CopyRowRewriter(out);
    })();
    return;
  }
  try {
    const { data, rows } = rewriteCopyChunk(await ready!, msg.data);
    scope.postMessage({ id: msg.id, data, rows } satisfies MaskReply, [data.buffer]);
  } catch (e) {
    scope.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) } satisfies MaskReply);
  }
};
