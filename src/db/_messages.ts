/**
 * How a transaction's statements are packed into simple-query messages when they travel
 * "as one message": BEGIN alone, then messages of about `MESSAGE_CHARS` characters, COMMIT
 * riding with the last statements. A data file of 200,000 INSERTs then costs one reply per
 * ~1 MB instead of one per statement, and no message of the file's whole size is ever built
 * (a 10 MB message cost ~80 MB of memory while being encoded and written). A server error
 * position, counted over one message, is mapped back to its statement here.
 *
 * @module
 */
import { codePoints } from "../sql/source_text.ts";

/** Statements of a one-message transaction travel in messages of about this many characters. */
export const MESSAGE_CHARS = 1 << 20;

const SEP = "\n;\n";

/** The messages to send, in order, and how to find a statement from an error position. */
export interface PackedTransaction {
  messages: string[];
  /**
   * The statement (0-based) and the position inside it (1-based) of a server error position
   * in message `message`; undefined when the position falls outside the statements.
   */
  locate(message: number, position: number): { statement: number; position: number } | undefined;
}

/** Pack `statements` (a trailing `--` comment is ended by the separator's newline). */
export function packTransaction(statements: readonly string[], messageChars = MESSAGE_CHARS): PackedTransaction {
  const chunks: { first: number; starts: number[]; texts: string[] }[] = [];
  let size = Infinity;
  for (const [i, text] of statements.entries()) {
    const chars = codePoints(text);
    if (size + chars > messageChars) {
      chunks.push({ first: i, starts: [], texts: [] });
      size = 0;
    }
    const c = chunks[chunks.length - 1];
    c.starts.push(size);
    c.texts.push(text);
    size += chars + SEP.length;
  }
  const messages = [
    "BEGIN",
    ...chunks.map((c, k) => c.texts.join(SEP) + (k === chunks.length - 1 ? `${SEP}COMMIT` : "")),
  ];
  if (chunks.length === 0) messages.push("COMMIT");
  return {
    messages,
    locate(message, position) {
      const chunk = chunks[message - 1];
      if (!chunk) return undefined;
      const offset = position - 1;
      const i = chunk.starts.findLastIndex((s) => s <= offset);
      if (i < 0 || offset >= chunk.starts[i] + codePoints(chunk.texts[i])) return undefined;
      return { statement: chunk.first + i, position: offset - chunk.starts[i] + 1 };
    },
  };
}
