/**
 * The subscriber side of the fan-out benchmark, run as a child process (fanout.ts forks one or
 * more): many `events.stream` connections over plain TCP sockets. The streams share the two
 * cores with the server, so reading must cost little: each socket reads into one buffer shared
 * by all of them (net's `onread`: no allocation, no Readable stream, no 'data' event per read),
 * sse-reader.ts takes off the HTTP response head and its chunked framing and splits each SSE
 * message into its fields; here its `id:` is checked against its last event and against the stream's
 * previous id (ascending, no duplicate: what a resuming client relies on). A message's JSON is
 * parsed once per process and reused for every stream that received the very same bytes (all
 * streams here have the same filter; the bytes are compared, not just their length), and a read
 * that repeats the last one taken apart, from the same reader state, is not taken apart again
 * (`take`). Delivery latency = the time the read that completed a message returned
 * (Date.now()) − the event's createdAt (the database's clock: same machine, same clock).
 *
 * Protocol (IPC): parent → child `open`, `wait`, `report`, `close`; child → parent `opened`,
 * `done`, `report`, `error`.
 */
import net from "node:net";
import { createSseReader, type SseMessage, type SseReader } from "./sse-reader";

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

interface Stream {
  socket: net.Socket;
  /** The id of the last message (the `id:` field), as a resuming client would send it. */
  lastId: number;
  counts: Record<FanoutCategory, number>;
  opened?: { resolve(): void; reject(error: Error): void };
}

const streams: Stream[] = [];
/** Deliveries per whole millisecond of latency, per category (an array: cheaper than a Map). */
const histograms: Record<FanoutCategory, number[]> = { burst: [], steady: [] };
let markerId = Number.POSITIVE_INFINITY;
let chunks = 0;
const cache = new Map<string, Parsed>();
let failed = false;
let closing = false;
/** Every socket reads into this; what must outlive a read is copied out. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** A read taken apart in full: the reader's state before and after it, and its messages. */
interface ParsedRead {
  before: string;
  bytes: Buffer;
  after: string;
  messages: SseMessage[];
}
/** The last one: every stream is sent the same bytes, so the next stream's read is mostly it. */
let lastRead: ParsedRead | undefined;
/** The messages of the read being taken apart (their data copied out of the read buffer). */
let recording: SseMessage[] = [];

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

/** One SSE message on `stream`, which arrived at `at`: its id checked, its events counted. */
function onMessage(stream: Stream, { event, data, id }: SseMessage, at: number) {
  if (event === "serialized-error") return fail(`events.stream error: ${data?.toString("utf8")}`);
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
    histogram[latency] = (histogram[latency] ?? 0) + 1;
  }
}

/**
 * Hands one read to its stream's reader; or, when it is byte for byte the last read taken apart
 * and this reader is in the state that one's was, that read's messages again (each stream's ids
 * still checked against its own, its events counted at its own read's time): the same bytes in
 * the same state give the same messages. Taking 5,000 copies apart cost the clients CPU that
 * they took from the server on the same two cores.
 */
function take(stream: Stream, read: SseReader, bytes: Buffer, at: number) {
  const before = read.state();
  if (before !== undefined && lastRead?.before === before && lastRead.bytes.equals(bytes)) {
    read.restore(lastRead.after);
    for (const message of lastRead.messages) onMessage(stream, message, at);
    return;
  }
  recording = [];
  read(bytes);
  const after = read.state();
  lastRead =
    before !== undefined && after !== undefined
      ? { before, bytes: Buffer.from(bytes), after, messages: recording }
      : undefined;
}

function openOne(baseUrl: string, token: string): Promise<void> {
  const url = new URL("/api/trpc/events.stream", baseUrl);
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      socket: undefined as unknown as net.Socket,
      lastId: 0,
      counts: { burst: 0, steady: 0 },
      opened: { resolve, reject },
    };
    /** When the read being taken apart returned: every message it completes arrived then. */
    let at = 0;
    const read = createSseReader({
      onHead(status) {
        if (/^HTTP\/1\.1 200 /.test(status)) {
          streams.push(stream);
          stream.opened?.resolve();
        } else {
          stream.opened?.reject(new Error(`events.stream: ${status}`));
          stream.socket.destroy();
        }
        stream.opened = undefined;
      },
      onMessage: (message) => {
        recording.push({ ...message, data: message.data && Buffer.from(message.data) });
        onMessage(stream, message, at);
      },
      onEnd() {
        if (!closing) fail("a stream ended");
      },
      onError: fail,
    });
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (size: number, buffer: Uint8Array) => {
          chunks++;
          at = Date.now();
          if (!failed) take(stream, read, (buffer as Buffer).subarray(0, size), at);
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

/** [latency, deliveries] for every latency seen. */
function pairs(histogram: number[]): [number, number][] {
  const result: [number, number][] = [];
  histogram.forEach((count, latency) => {
    result.push([latency, count]);
  });
  return result;
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
          histograms: { burst: pairs(histograms.burst), steady: pairs(histograms.steady) },
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
