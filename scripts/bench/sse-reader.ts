/**
 * A lean reader of one `events.stream` HTTP/1.1 response from raw socket bytes, for the fan-out
 * benchmark's subscribers (fanout-client.ts): the response head, its chunked framing, and the
 * SSE messages in the body, each split into its fields. Bytes handed to `read` are used during
 * the call only (they may be a shared read buffer); a message that spans reads is copied and
 * joined once it is complete.
 */

/** One SSE message: its fields (the bytes of `data` are valid during the callback only). */
export interface SseMessage {
  event: string | undefined;
  data: Buffer | undefined;
  id: string | undefined;
}

export interface SseReaderHandlers {
  /** The status line and header lines, once the head is complete. */
  onHead(status: string, headers: string[]): void;
  onMessage(message: SseMessage): void;
  /** The last chunk (size 0): the server ended the response. */
  onEnd(): void;
  onError(message: string): void;
}

/** Where the reader is in the response: its head, a chunk's size line, data, or the CRLF after it. */
type Framing = "head" | "size" | "data" | "data-end" | "raw" | "done";

const NEWLINE = 10;
const BLOCK_END = Buffer.from("\n\n");
const DATA = Buffer.from("data: ");
const ID = Buffer.from("id: ");
const EVENT = Buffer.from("event: ");
const HEAD_END = "\r\n\r\n";

/** The function to call with each read's bytes, and the reader's position between reads. */
export interface SseReader {
  (bytes: Buffer): void;
  /**
   * Where the reader is, as a string, when it holds no bytes of an unfinished message (else
   * undefined): two readers in the same state handed the same bytes report the same messages
   * and end in the same state (fanout-client.ts reuses one stream's read for the next).
   */
  state(): string | undefined;
  /** Puts the reader in a `state()` another reader reported. */
  restore(state: string): void;
}

/** A reader of one response. */
export function createSseReader(handlers: SseReaderHandlers): SseReader {
  let framing: Framing = "head";
  /** Head or chunk-size bytes read so far (small). */
  let line = "";
  /** Data bytes left in the current chunk; in "data-end", the CRLF bytes seen. */
  let left = 0;
  /** Bytes of an SSE block that is not complete yet, copied out of the read. */
  let pending: Buffer[] = [];
  /** The last body byte seen was "\n": a blank line may be split over two reads. */
  let endsInNewline = false;

  const fail = (message: string) => {
    framing = "done";
    handlers.onError(message);
  };

  /** One block (its lines without the blank line after them): its fields. */
  const onBlock = (block: Buffer) => {
    const message: SseMessage = { event: undefined, data: undefined, id: undefined };
    let start = 0;
    while (start < block.length) {
      let end = block.indexOf(NEWLINE, start);
      if (end === -1) end = block.length;
      if (startsWith(block, start, DATA)) message.data = block.subarray(start + DATA.length, end);
      else if (startsWith(block, start, ID))
        message.id = block.toString("latin1", start + ID.length, end);
      else if (startsWith(block, start, EVENT))
        message.event = block.toString("latin1", start + EVENT.length, end);
      start = end + 1;
    }
    handlers.onMessage(message);
  };

  /** The pending bytes and `last` form one block: hand it on, without leading newlines. */
  const endBlock = (last: Buffer | undefined) => {
    let whole: Buffer;
    if (pending.length === 0) whole = last ?? Buffer.alloc(0);
    else {
      if (last) pending.push(last);
      whole = Buffer.concat(pending);
      pending = [];
    }
    // A block completed by the second "\n" of a split blank line still ends in the first.
    if (last === undefined && whole[whole.length - 1] === NEWLINE) whole = whole.subarray(0, -1);
    let first = 0;
    while (whole[first] === NEWLINE) first++;
    if (first < whole.length) onBlock(whole.subarray(first));
  };

  /**
   * Body bytes. SSE blocks end in a blank line; tRPC adds one more newline, which starts the
   * next block and is dropped there.
   */
  const onBody = (bytes: Buffer) => {
    let start = 0;
    if (endsInNewline && bytes[0] === NEWLINE) {
      endBlock(undefined);
      start = 1;
    }
    let end = bytes.indexOf(BLOCK_END, start);
    while (end !== -1) {
      endBlock(bytes.subarray(start, end));
      start = end + 2;
      end = bytes.indexOf(BLOCK_END, start);
    }
    if (start < bytes.length) {
      const rest = bytes.subarray(start);
      // Newlines between blocks belong to none (endBlock drops them). Kept, they made every
      // next message a copy joined to them: 2,500 copies of a 55 KB burst per client process,
      // CPU the clients then took from the server on the same two cores.
      if (pending.length > 0 || !onlyNewlines(rest)) pending.push(Buffer.from(rest));
      endsInNewline = bytes[bytes.length - 1] === NEWLINE;
    } else endsInNewline = false;
  };

  const onHead = (head: string) => {
    const [status = "", ...headers] = head.split("\r\n");
    const chunked = headers.some((header) => /^transfer-encoding:\s*chunked\s*$/i.test(header));
    framing = chunked ? "size" : "raw";
    handlers.onHead(status, headers);
  };

  const read = (bytes: Buffer) => {
    let at = 0;
    while (at < bytes.length) {
      switch (framing) {
        case "head": {
          const joined = line + bytes.toString("latin1", at);
          const end = joined.indexOf(HEAD_END);
          if (end === -1) {
            line = joined;
            return;
          }
          at += end + HEAD_END.length - line.length;
          line = "";
          onHead(joined.slice(0, end));
          break;
        }
        case "size": {
          // The size line ends in CRLF, perhaps split over reads: up to its "\n", less the "\r".
          const end = bytes.indexOf(NEWLINE, at);
          if (end === -1) {
            line += bytes.toString("latin1", at);
            return;
          }
          const text = (line + bytes.toString("latin1", at, end)).replace(/\r$/, "");
          at = end + 1;
          line = "";
          const size = Number.parseInt(text, 16);
          if (!Number.isSafeInteger(size)) return fail(`a bad chunk size: ${JSON.stringify(text)}`);
          if (size === 0) {
            framing = "done";
            return handlers.onEnd();
          }
          left = size;
          framing = "data";
          break;
        }
        case "data": {
          const take = Math.min(left, bytes.length - at);
          onBody(bytes.subarray(at, at + take));
          at += take;
          left -= take;
          if (left === 0) framing = "data-end";
          break;
        }
        case "data-end": {
          // The CRLF after a chunk's data, perhaps split over two reads.
          const skip = Math.min(2 - left, bytes.length - at);
          left += skip;
          at += skip;
          if (left === 2) {
            left = 0;
            framing = "size";
          }
          break;
        }
        case "raw":
          onBody(bytes.subarray(at));
          return;
        case "done":
          return;
      }
    }
  };
  return Object.assign(read, {
    state: () =>
      pending.length === 0 && framing !== "head"
        ? `${framing} ${left} ${endsInNewline ? 1 : 0} ${line}`
        : undefined,
    restore(state: string) {
      const [savedFraming, savedLeft, savedNewline] = state.split(" ", 3);
      framing = savedFraming as Framing;
      left = Number(savedLeft);
      endsInNewline = savedNewline === "1";
      // The rest is `line` (a partial chunk-size line: hex digits, perhaps an extension).
      line = state.split(" ").slice(3).join(" ");
    },
  });
}

function onlyNewlines(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== NEWLINE) return false;
  return true;
}

function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  return (
    bytes.length - at >= prefix.length &&
    bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}
