/**
 * The subscriber side of the fan-out benchmark, run as a child process (fanout-clients.ts
 * forks one or more): many `events.stream` connections over raw TCP, each parsed just enough
 * (HTTP status, chunked encoding, SSE blocks). The streams share the machine with the server,
 * so the reading must cost little: a message's JSON is parsed once per process and reused for
 * every stream that received the same bytes (all streams here have the same filter). Delivery
 * latency = the time a stream's chunk arrived (Date.now()) − the event's createdAt (the
 * database's clock: same machine, same clock).
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
  socket: net.Socket;
  /** Raw bytes not yet decoded (HTTP head, chunk framing). */
  raw: string;
  headDone: boolean;
  /** Bytes left in the current chunk; -1: a chunk-size line comes next. */
  chunkLeft: number;
  /** Decoded SSE text not yet split into blocks. */
  text: string;
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

function parse(data: string): Parsed {
  let parsed = cache.get(data);
  if (!parsed) {
    const { events } = JSON.parse(data) as { events: WireEvent[] };
    parsed = {
      events: events.map((event) => ({
        category: categorise(event),
        createdAt: Date.parse(event.createdAt),
        id: event.id,
      })),
    };
    // Bounded: only the latest few messages repeat across streams.
    if (cache.size > 64) cache.clear();
    cache.set(data, parsed);
  }
  return parsed;
}

function onBlock(stream: Stream, block: string, at: number) {
  let event = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("data: ")) data = line.slice(6);
    else if (line.startsWith("event: ")) event = line.slice(7);
  }
  if (event === "serialized-error") return fail(`events.stream error: ${data}`);
  if (event !== "message" || data === "") return;
  for (const item of parse(data).events) {
    if (item.id > stream.maxId) stream.maxId = item.id;
    if (item.category === null) continue;
    stream.counts[item.category] += 1;
    const latency = Math.max(0, Math.round(at - item.createdAt));
    const histogram = histograms[item.category];
    histogram.set(latency, (histogram.get(latency) ?? 0) + 1);
  }
}

function onData(stream: Stream, bytes: string, onHead: (ok: boolean, head: string) => void) {
  chunks++;
  const at = Date.now();
  stream.raw += bytes;
  if (!stream.headDone) {
    const end = stream.raw.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = stream.raw.slice(0, end);
    stream.raw = stream.raw.slice(end + 4);
    stream.headDone = true;
    onHead(/^HTTP\/1\.1 200/.test(head), head);
  }
  // Chunked transfer encoding: "<hex size>\r\n<data>\r\n", repeated.
  for (;;) {
    if (stream.chunkLeft < 0) {
      const lineEnd = stream.raw.indexOf("\r\n");
      if (lineEnd === -1) break;
      stream.chunkLeft = Number.parseInt(stream.raw.slice(0, lineEnd), 16);
      stream.raw = stream.raw.slice(lineEnd + 2);
      if (stream.chunkLeft === 0) return fail("a stream ended");
    }
    // The trailing CRLF of a chunk must have arrived too.
    if (stream.raw.length < stream.chunkLeft + 2) {
      // Take what there is: SSE text may be split anywhere.
      stream.text += stream.raw;
      stream.chunkLeft -= stream.raw.length;
      stream.raw = "";
      break;
    }
    stream.text += stream.raw.slice(0, stream.chunkLeft);
    stream.raw = stream.raw.slice(stream.chunkLeft + 2);
    stream.chunkLeft = -1;
  }
  let start = 0;
  let end = stream.text.indexOf("\n\n");
  while (end !== -1) {
    onBlock(stream, stream.text.slice(start, end), at);
    start = end + 2;
    end = stream.text.indexOf("\n\n", start);
  }
  if (start > 0) stream.text = stream.text.slice(start);
}

function openOne(baseUrl: string, token: string): Promise<void> {
  const url = new URL("/api/trpc/events.stream", baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    socket.setEncoding("latin1");
    const stream: Stream = {
      socket,
      raw: "",
      headDone: false,
      chunkLeft: -1,
      text: "",
      maxId: 0,
      counts: { burst: 0, steady: 0 },
    };
    socket.on("connect", () => {
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
    });
    socket.on("data", (bytes: string) =>
      onData(stream, bytes, (ok, head) => {
        if (ok) {
          streams.push(stream);
          resolve();
        } else reject(new Error(`events.stream: ${head.split("\r\n")[0]}`));
      }),
    );
    socket.on("error", (error) => {
      if (!stream.headDone) reject(error);
      else fail(`a stream broke: ${error.message}`);
    });
    socket.on("close", () => {
      if (!closing) fail("a stream closed");
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
        for (const stream of streams) stream.socket.destroy();
        process.disconnect?.();
      }
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  })();
});
