/**
 * The subscriber side of the fan-out benchmark, run as a child process (fanout-clients.ts
 * forks one or more): many `events.stream` connections, each read as raw bytes (node:http's
 * native parser takes off the chunked framing) and split into SSE blocks with Buffer searches,
 * never decoded to text as a whole. The streams share the machine with the server, so the
 * reading must cost little: a message's JSON is parsed once per process and reused for every
 * stream that received the same bytes (all streams here have the same filter). Delivery
 * latency = the time a stream's chunk arrived (Date.now()) − the event's createdAt (the
 * database's clock: same machine, same clock).
 *
 * Protocol (IPC): parent → child `open`, `wait`, `report`, `close`; child → parent `opened`,
 * `done`, `report`, `error`.
 */
import http from "node:http";

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
      chunks: number;
    }
  | { type: "error"; message: string };

interface WireEvent {
  id: number;
  kind: string;
  workflowId: string | null;
  createdAt: string;
}

interface Parsed {
  /** Per event: its category (or null) and createdAt in ms. */
  events: { category: FanoutCategory | null; createdAt: number; id: number }[];
}

interface Stream {
  request: http.ClientRequest;
  /** Body bytes after the last complete SSE block. */
  pieces: Buffer[];
  maxId: number;
  counts: Record<FanoutCategory, number>;
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
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

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

const BLOCK_END = Buffer.from("\n\n");
const DATA = Buffer.from("data: ");
const SERIALIZED_ERROR = Buffer.from("event: serialized-error");
/** `data: {"events":[{"id":` — the first event's id follows. */
const FIRST_ID_AT = 'data: {"events":[{"id":'.length;
const ID_LINE = Buffer.from("\nid: ");

/**
 * A message's events, parsed once per process: streams with the same filter receive the same
 * bytes, and a message is identified by its first and last ids and its length (the same range
 * of events for the same filter is the same text).
 */
function parse(block: Buffer): Parsed {
  const idLine = block.lastIndexOf(ID_LINE);
  const firstEnd = block.indexOf(44 /* , */, FIRST_ID_AT);
  const key = `${block.toString("latin1", FIRST_ID_AT, firstEnd)}-${block.toString("latin1", idLine + ID_LINE.length)}-${block.length}`;
  let parsed = cache.get(key);
  if (!parsed) {
    const data = block.toString("utf8", DATA.length, idLine === -1 ? block.length : idLine);
    const { events } = JSON.parse(data) as { events: WireEvent[] };
    parsed = {
      events: events.map((event) => ({
        category: categorise(event),
        createdAt: Date.parse(event.createdAt),
        id: event.id,
      })),
    };
    // Bounded: only the latest few messages repeat across streams.
    if (cache.size > 256) cache.clear();
    cache.set(key, parsed);
  }
  return parsed;
}

function onBlock(stream: Stream, block: Buffer, at: number) {
  if (block.subarray(0, SERIALIZED_ERROR.length).equals(SERIALIZED_ERROR)) {
    return fail(`events.stream error: ${block.toString("utf8")}`);
  }
  // tRPC's own messages (connected, ping) start with `event:`; data messages with `data:`.
  if (!block.subarray(0, DATA.length).equals(DATA)) return;
  for (const item of parse(block).events) {
    if (item.id > stream.maxId) stream.maxId = item.id;
    if (item.category === null) continue;
    stream.counts[item.category] += 1;
    const latency = Math.max(0, Math.round(at - item.createdAt));
    const histogram = histograms[item.category];
    histogram.set(latency, (histogram.get(latency) ?? 0) + 1);
  }
}

/**
 * SSE blocks end in a blank line; tRPC adds one more newline, which starts the next block. A
 * burst's message arrives in several reads: they are kept as pieces and joined once, when the
 * block's end has arrived, and only the new bytes are searched.
 */
function onData(stream: Stream, bytes: Buffer) {
  chunks++;
  const at = Date.now();
  let start = 0;
  // A blank line split across two reads: "\n" | "\n".
  const lastPiece = stream.pieces.at(-1);
  if (lastPiece && lastPiece[lastPiece.length - 1] === 10 && bytes[0] === 10) {
    stream.pieces.push(bytes.subarray(0, 1));
    block(stream, at);
    start = 1;
  }
  let end = bytes.indexOf(BLOCK_END, start);
  while (end !== -1) {
    stream.pieces.push(bytes.subarray(start, end + 1));
    block(stream, at);
    start = end + 2;
    end = bytes.indexOf(BLOCK_END, start);
  }
  if (start < bytes.length) stream.pieces.push(bytes.subarray(start));
}

/** The pieces so far are one block (ending in "\n"): hand it on, without leading newlines. */
function block(stream: Stream, at: number) {
  const pieces = stream.pieces;
  stream.pieces = [];
  let whole = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  let first = 0;
  while (whole[first] === 10) first++;
  whole = whole.subarray(first, whole.length - 1);
  if (whole.length > 0) onBlock(stream, whole, at);
}

function openOne(baseUrl: string, token: string): Promise<void> {
  const url = new URL("/api/trpc/events.stream", baseUrl);
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      request: undefined as unknown as http.ClientRequest,
      pieces: [],
      maxId: 0,
      counts: { burst: 0, steady: 0 },
    };
    stream.request = http.get(
      url,
      { agent, headers: { accept: "text/event-stream", authorization: `Bearer ${token}` } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          return reject(new Error(`events.stream: HTTP ${response.statusCode}`));
        }
        response.socket.setNoDelay(true);
        streams.push(stream);
        resolve();
        response.on("data", (bytes: Buffer) => onData(stream, bytes));
        response.on("end", () => {
          if (!closing) fail("a stream ended");
        });
        response.on("error", (error) => {
          if (!closing) fail(`a stream broke: ${error.message}`);
        });
      },
    );
    stream.request.on("error", (error) => {
      if (!closing) reject(error);
    });
  });
}

let closing = false;

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
        await waitFor(() => streams.every((stream) => stream.maxId >= wanted));
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
        for (const stream of streams) stream.request.destroy();
        process.disconnect?.();
      }
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  })();
});
