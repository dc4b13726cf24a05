/**
 * The subscriber side of the fan-out benchmark, run as a child process (fanout.ts forks one or
 * more): many `events.stream` connections over plain TCP sockets. The streams share the two
 * cores with the server, so reading must cost little: each socket reads into one buffer shared
 * by all of them (net's `onread`: no allocation, no Readable stream, no 'data' event per read),
 * the HTTP response head and its chunked framing are taken off here, and each SSE message is
 * split into its fields, its `id:` checked against its last event and against the stream's
 * previous id (ascending, no duplicate: what a resuming client relies on). A message's JSON is
 * parsed once per process and reused for every stream that received the very same bytes (all
 * streams here have the same filter; the bytes are compared, not just their length). Delivery
 * latency = the time the read that completed a message returned (Date.now()) − the event's
 * createdAt (the database's clock: same machine, same clock).
 *
 * Protocol (IPC): parent → child `open`, `wait`, `report`, `close`; child → parent `opened`,
 * `done`, `report`, `error`.
 */
import net from "node:net";

export type FanoutCategory = "burst" | "steady";

export type ParentMessage =
  | { type: "open"; baseUrl: string; token: string; count: number; concurrency: number }
  | { type: "wait"; what: "marker"; markerId: number }
  | { type: "wait"; what: FanoutCategory; count: number }
  | { type: "report" }
  | { type: "close" };

export type ChildMessage =
  | { type: "opened" }
  | { type: "done" }
  | {
      type: "report";
      /** [latency ms, deliveries] pairs per category. */
      histograms: Record<FanoutCategory, [number, number][]>;
      cpuMs: number;
      /** Socket reads over every stream. */
      chunks: number;
    }
  | { type: "error"; message: string };

interface WireEvent {
  id: number;
  kind: string;
  workflowId: string | null;
  createdAt: string;
}

/** A data message's events, parsed once per process. */
interface Parsed {
  bytes: Buffer;
  lastId: number;
  events: { category: FanoutCategory | null; createdAt: number; id: number }[];
}

/** Where a stream is in the HTTP response: its head, a chunk's size line, data, or the CRLF after it. */
type Framing = "head" | "size" | "data" | "data-end" | "raw" | "done";

interface Stream {
  socket: net.Socket;
  framing: Framing;
  /** Head or chunk-size bytes read so far (small). */
  line: string;
  /** Data bytes left in the current chunk. */
  left: number;
  /** Bytes of an SSE block that is not complete yet (copied out of the shared read buffer). */
  pending: Buffer[];
  /** The last byte handed to the SSE splitter was "\n" (a block may end across two reads). */
  endsInNewline: boolean;
  /** The id of the last message (the `id:` field), as a resuming client would send it. */
  lastId: number;
  counts: Record<FanoutCategory, number>;
  opened?: { resolve(): void; reject(error: Error): void };
}

const streams: Stream[] = [];
const histograms: Record<FanoutCategory, Map<number, number>> = {
  burst: new Map(),
  steady: new Map(),
};
let markerId = Number.POSITIVE_INFINITY;
let chunks = 0;
const cache = new Map<string, Parsed>();
let failed = false;
let closing = false;
/** Every socket reads into this; what must outlive a read is copied out. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

function send(message: ChildMessage) {
  process.send?.(message);
}

function fail(message: string) {
  if (failed) return;
  failed = true;
  send({ type: "error", message });
}

function categorise(event: WireEvent): FanoutCategory | null {
  if (event.kind !== "task.submitted" || event.id <= markerId) return null;
  return event.workflowId === null ? "steady" : "burst";
}

const NEWLINE = 10;
const BLOCK_END = Buffer.from("\n\n");
const DATA = Buffer.from("data: ");
const ID = Buffer.from("id: ");
const EVENT = Buffer.from("event: ");
const HEAD_END = "\r\n\r\n";

/**
 * A data message's events, parsed once per process: streams with the same filter receive the
 * same bytes. The cache key is the id and the length; a hit must match byte for byte.
 */
function parse(data: Buffer, id: number): Parsed {
  const key = `${id}-${data.length}`;
  const cached = cache.get(key);
  if (cached?.bytes.equals(data)) return cached;
  const { events } = JSON.parse(data.toString("utf8")) as { events: WireEvent[] };
  const parsed: Parsed = {
    bytes: Buffer.from(data),
    lastId: events.at(-1)?.id ?? Number.NaN,
    events: events.map((event) => ({
      category: categorise(event),
      createdAt: Date.parse(event.createdAt),
      id: event.id,
    })),
  };
  // Bounded: only the latest few messages repeat across streams.
  if (cache.size > 256) cache.clear();
  cache.set(key, parsed);
  return parsed;
}

function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  return (
    bytes.length - at >= prefix.length &&
    bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}

/** One SSE block (its lines, without the blank line ending it): its fields, then its events. */
function onBlock(stream: Stream, block: Buffer, at: number) {
  let event: string | undefined;
  let data: Buffer | undefined;
  let id: string | undefined;
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(NEWLINE, start);
    if (end === -1) end = block.length;
    if (startsWith(block, start, DATA)) data = block.subarray(start + DATA.length, end);
    else if (startsWith(block, start, ID)) id = block.toString("latin1", start + ID.length, end);
    else if (startsWith(block, start, EVENT))
      event = block.toString("latin1", start + EVENT.length, end);
    start = end + 1;
  }
  if (event === "serialized-error") return fail(`events.stream error: ${block.toString("utf8")}`);
  // tRPC's own messages (connected, ping) have an event name; data messages have none.
  if (event !== undefined || data === undefined) return;
  const messageId = Number(id);
  if (!Number.isSafeInteger(messageId) || messageId <= stream.lastId) {
    return fail(`a message's id ${id} does not follow the stream's last id ${stream.lastId}`);
  }
  const parsed = parse(data, messageId);
  if (parsed.lastId !== messageId) {
    return fail(`a message's id ${id} is not its last event's id ${parsed.lastId}`);
  }
  stream.lastId = messageId;
  for (const item of parsed.events) {
    if (item.category === null) continue;
    stream.counts[item.category] += 1;
    const latency = Math.max(0, Math.round(at - item.createdAt));
    const histogram = histograms[item.category];
    histogram.set(latency, (histogram.get(latency) ?? 0) + 1);
  }
}

/**
 * Body bytes (valid only during this call): SSE blocks end in a blank line; tRPC adds one more
 * newline, which starts the next block and is dropped. A block within one read is handed on as
 * it lies in the read buffer; one spread over reads is copied and joined once it is complete.
 */
function onBody(stream: Stream, bytes: Buffer, at: number) {
  let start = 0;
  // A blank line split across two reads: "\n" | "\n".
  if (stream.endsInNewline && bytes[0] === NEWLINE) {
    endBlock(stream, undefined, at);
    start = 1;
  }
  let end = bytes.indexOf(BLOCK_END, start);
  while (end !== -1) {
    endBlock(stream, bytes.subarray(start, end), at);
    start = end + 2;
    end = bytes.indexOf(BLOCK_END, start);
  }
  if (start < bytes.length) {
    stream.pending.push(Buffer.from(bytes.subarray(start)));
    stream.endsInNewline = bytes[bytes.length - 1] === NEWLINE;
  } else stream.endsInNewline = false;
}

/** The pending bytes and `last` form one block: hand it on, without leading newlines. */
function endBlock(stream: Stream, last: Buffer | undefined, at: number) {
  const pieces = stream.pending;
  let whole: Buffer;
  if (pieces.length === 0) whole = last ?? Buffer.alloc(0);
  else {
    if (last) pieces.push(last);
    whole = Buffer.concat(pieces);
    stream.pending = [];
  }
  // A block completed by the "\n" of a split blank line still ends in its line's "\n".
  if (last === undefined && whole[whole.length - 1] === NEWLINE) whole = whole.subarray(0, -1);
  let first = 0;
  while (whole[first] === NEWLINE) first++;
  if (first < whole.length) onBlock(stream, whole.subarray(first), at);
}

/** One socket read (`bytes` is the shared read buffer: used now, never kept). */
function onRead(stream: Stream, bytes: Buffer) {
  chunks++;
  const at = Date.now();
  let at0 = 0;
  while (at0 < bytes.length && !failed) {
    switch (stream.framing) {
      case "head": {
        const text = bytes.toString("latin1", at0);
        const joined = stream.line + text;
        const end = joined.indexOf(HEAD_END);
        if (end === -1) {
          stream.line = joined;
          return;
        }
        at0 += end + HEAD_END.length - stream.line.length;
        stream.line = "";
        onHead(stream, joined.slice(0, end));
        break;
      }
      case "size": {
        const end = bytes.indexOf("\r\n", at0, "latin1");
        if (end === -1) {
          stream.line += bytes.toString("latin1", at0);
          return;
        }
        const size = Number.parseInt(stream.line + bytes.toString("latin1", at0, end), 16);
        stream.line = "";
        at0 = end + 2;
        if (!Number.isSafeInteger(size)) return fail("a bad chunk size");
        if (size === 0) {
          stream.framing = "done";
          if (!closing) fail("a stream ended");
          return;
        }
        stream.left = size;
        stream.framing = "data";
        break;
      }
      case "data": {
        const take = Math.min(stream.left, bytes.length - at0);
        onBody(stream, bytes.subarray(at0, at0 + take), at);
        at0 += take;
        stream.left -= take;
        if (stream.left === 0) stream.framing = "data-end";
        break;
      }
      case "data-end": {
        // The CRLF after a chunk's data, perhaps split over two reads.
        const skip = Math.min(2 - stream.left, bytes.length - at0);
        stream.left += skip;
        at0 += skip;
        if (stream.left === 2) {
          stream.left = 0;
          stream.framing = "size";
        }
        break;
      }
      case "raw":
        onBody(stream, bytes.subarray(at0), at);
        return;
      case "done":
        return;
    }
  }
}

function onHead(stream: Stream, head: string) {
  const [status = "", ...headers] = head.split("\r\n");
  if (!/^HTTP\/1\.1 200 /.test(status)) {
    stream.framing = "done";
    stream.opened?.reject(new Error(`events.stream: ${status}`));
    stream.opened = undefined;
    stream.socket.destroy();
    return;
  }
  const chunked = headers.some((line) => /^transfer-encoding:\s*chunked\s*$/i.test(line));
  stream.framing = chunked ? "size" : "raw";
  streams.push(stream);
  stream.opened?.resolve();
  stream.opened = undefined;
}

function openOne(baseUrl: string, token: string): Promise<void> {
  const url = new URL("/api/trpc/events.stream", baseUrl);
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      socket: undefined as unknown as net.Socket,
      framing: "head",
      line: "",
      left: 0,
      pending: [],
      endsInNewline: false,
      lastId: 0,
      counts: { burst: 0, steady: 0 },
      opened: { resolve, reject },
    };
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (size: number, buffer: Uint8Array) => {
          onRead(stream, (buffer as Buffer).subarray(0, size));
          return true;
        },
      },
    });
    stream.socket = socket;
    socket.once("connect", () => {
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
    });
    socket.on("end", () => {
      if (!closing) fail("a stream ended");
    });
    socket.on("error", (error) => {
      if (stream.opened) stream.opened.reject(error);
      else if (!closing) fail(`a stream broke: ${error.message}`);
    });
  });
}

async function open(message: Extract<ParentMessage, { type: "open" }>) {
  for (let offset = 0; offset < message.count; offset += message.concurrency) {
    const batch = Math.min(message.concurrency, message.count - offset);
    await Promise.all(Array.from({ length: batch }, () => openOne(message.baseUrl, message.token)));
  }
}

function waitFor(condition: () => boolean) {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (failed) return;
      if (condition()) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}

process.on("message", (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.type === "open") {
        await open(message);
        send({ type: "opened" });
      } else if (message.type === "wait" && message.what === "marker") {
        const wanted = message.markerId;
        markerId = wanted;
        await waitFor(() => streams.every((stream) => stream.lastId >= wanted));
        send({ type: "done" });
      } else if (message.type === "wait") {
        const { what, count } = message;
        await waitFor(() => streams.every((stream) => stream.counts[what] >= count));
        send({ type: "done" });
      } else if (message.type === "report") {
        const cpu = process.cpuUsage();
        send({
          type: "report",
          histograms: { burst: [...histograms.burst], steady: [...histograms.steady] },
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
          chunks,
        });
      } else if (message.type === "close") {
        closing = true;
        for (const stream of streams) stream.socket.destroy();
        process.disconnect?.();
      }
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  })();
});
