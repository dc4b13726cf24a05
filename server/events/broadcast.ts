import type { Database } from "@/db/client";
import { log } from "@/server/log/logger";
import type { EventFilter } from "./filter";
import { matchesFilter } from "./filter";
import { type EventRow, readEvents, toWireEvent } from "./read";
import type { EventFeed } from "./stream";
import { createTokenWatch } from "./token-watch";

/** What messages are written to: the response, or its socket (see `SseSink.socket`). */
export interface SseWriter {
  write(chunk: Uint8Array): boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  once(event: "drain", listener: () => void): unknown;
}

/** Where a stream's bytes go: an http.ServerResponse, or any Writable in tests. */
export interface SseSink extends SseWriter {
  end(): void;
  /** True once closed (the client left): no "close" event will come any more. */
  readonly destroyed: boolean;
  once(event: "drain" | "close", listener: () => void): unknown;
  /**
   * A ServerResponse's socket and framing. With chunked encoding, messages are written to the
   * socket already framed as one HTTP chunk: the framed bytes are shared too, and the
   * response's per-write work (framing strings, cork, a tick to uncork) is skipped.
   */
  readonly socket?: SseWriter | null;
  readonly chunkedEncoding?: boolean;
}

/** The bytes of tRPC's SSE wire format that do not depend on the events (sse-wire.ts). */
export interface BroadcastWire {
  ping: Uint8Array;
  /** The message of a batch: `{"events":[…]}` (already JSON), tracked by `lastId`. */
  message(lastId: number, eventsJson: string): Uint8Array;
  /** A `serialized-error` ending a stream whose token was revoked or expired. */
  revoked: Uint8Array;
  /** A `serialized-error` ending a stream because the server stops (clients reconnect). */
  stopping: Uint8Array;
}

export interface BroadcastOptions {
  feed: EventFeed;
  db: Database;
  wire: BroadcastWire;
  /**
   * The bounded per-stream queue: bytes a stream may have waiting to be sent (its socket's
   * buffer) before it stops taking live messages and reads its events from the table instead.
   */
  maxBufferedBytes?: number;
  /** Events per catch-up read (and so at most per catch-up message). */
  pageSize?: number;
  /**
   * A ping this often keeps proxies from cutting an idle stream; 0: none. Streams that got a
   * message in the last half interval are skipped: at most 1.5 intervals pass without bytes.
   */
  pingMs?: number;
}

export interface AddStreamParams {
  sink: SseSink;
  filter: EventFilter;
  /** The token that authenticated the stream: the stream ends when it is revoked or expires. */
  tokenId: string;
  /** Replay events after this id first; null: live from now. */
  afterId: number | null;
}

export interface BroadcastStats {
  streams: number;
  /** Distinct filters among the open streams: each page is serialised once per filter. */
  filters: number;
  /** Streams reading from the table now (a replay, or after their queue overflowed). */
  catchingUp: number;
  /** Live messages serialised, each written to every matching live stream. */
  serialised: number;
  /** Live messages written, over every stream. */
  written: number;
  /** Messages built for one stream alone: catch-up pages, and a client ahead of this instance. */
  private: number;
  /** Times a stream's queue overflowed into catch-up. */
  overflows: number;
  /** Tokens watched for revocation. */
  tokens: number;
  /** Streams whose messages go to their socket as ready-made HTTP chunks. */
  framed: number;
}

export interface Broadcast {
  /** Starts a stream: replays from `afterId` if given, then live. Ends when the sink closes. */
  add(params: AddStreamParams): Promise<void>;
  stats(): BroadcastStats;
  /** Ends every stream with the `stopping` error and stops. Idempotent. */
  close(): void;
}

interface Group {
  filter: EventFilter;
  streams: Set<Stream>;
}

/** Kept small: thousands of these are open at once. */
interface Stream {
  sink: SseSink;
  /** Where messages go: the socket, framed, or the sink itself. */
  out: SseWriter;
  framed: boolean;
  group: Group;
  tokenId: string;
  live: boolean;
  /**
   * Catch-up: events up to here were written or did not match. Live: the position it started
   * from, which only matters while it is ahead of the feed (it read further on another
   * instance): then what it already has is skipped.
   */
  position: number;
  reading: boolean;
  closed: boolean;
  /** When bytes were last written to it (Date.now()): a stream that just got some needs no ping. */
  sentAt: number;
}

const DEFAULTS = { maxBufferedBytes: 1 << 20, pageSize: 500, pingMs: 10_000 };

const CRLF = new Uint8Array([13, 10]);

/** A message's bytes, and the same framed as one HTTP/1.1 chunk (made on first use). */
class Message {
  private chunk: Uint8Array | undefined;
  constructor(readonly bytes: Uint8Array) {}
  framed(): Uint8Array {
    this.chunk ??= Buffer.concat([
      Buffer.from(`${this.bytes.length.toString(16)}\r\n`, "latin1"),
      this.bytes,
      CRLF,
    ]);
    return this.chunk;
  }
}

const broadcastLog = log.child({ component: "event-broadcast" });

/**
 * The fan-out of docs/architecture.md "Events and live updates" for open `events.stream`
 * responses: the feed hands it each page of new events once; per distinct filter, the
 * matching events become ONE message (one JSON.stringify, one Buffer) that is written to every
 * live stream with that filter. A stream holds no queue of its own: its socket's buffer is the
 * queue, bounded by `maxBufferedBytes`; past it the stream drops out of the live path and reads
 * its events from the table at its own pace (as a replay does), then turns live again.
 */
export function createBroadcast(options: BroadcastOptions): Broadcast {
  const { feed, db, wire } = options;
  const maxBuffered = options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  const groups = new Map<string, Group>();
  const counts = { streams: 0, framed: 0, serialised: 0, written: 0, private: 0, overflows: 0 };
  let closed = false;

  const tokens = createTokenWatch<Stream>({
    db,
    hub: feed.hub,
    onRevoked: (stream) => end(stream, wire.revoked),
  });

  const detach = (stream: Stream) => {
    if (stream.closed) return;
    stream.closed = true;
    counts.streams -= 1;
    if (stream.framed) counts.framed -= 1;
    stream.group.streams.delete(stream);
    if (stream.group.streams.size === 0) groups.delete(filterKey(stream.group.filter));
    tokens.remove(stream.tokenId, stream);
  };

  const end = (stream: Stream, last: Uint8Array) => {
    if (stream.closed) return;
    detach(stream);
    stream.sink.write(last);
    stream.sink.end();
  };

  /** `rows` (matching, ascending) as one message for `stream` alone. */
  const writePrivate = (stream: Stream, rows: readonly EventRow[]) => {
    const last = rows.at(-1);
    if (!last) return;
    counts.private += 1;
    send(stream, new Message(wire.message(last.id, eventsJson(rows.map(wireJson)))));
  };

  const send = (stream: Stream, message: Message, at = Date.now()) => {
    stream.sentAt = at;
    // To the socket, framed, once the response's own bytes (headers, `connected`) have left it:
    // none of them may still be queued (or corked) ahead of a direct write.
    if (!stream.framed && stream.sink.chunkedEncoding === true && stream.sink.socket) {
      if (stream.sink.writableLength === 0) {
        stream.framed = true;
        stream.out = stream.sink.socket;
        counts.framed += 1;
      }
    }
    stream.out.write(stream.framed ? message.framed() : message.bytes);
  };

  const overflow = (stream: Stream, position: number) => {
    stream.live = false;
    stream.position = Math.max(stream.position, position);
    counts.overflows += 1;
    void catchUp(stream);
  };

  /** Reads the stream's events from the table, a page at a time, then turns it live. */
  const catchUp = async (stream: Stream) => {
    if (stream.reading || stream.closed) return;
    stream.reading = true;
    try {
      for (;;) {
        if (stream.closed) return;
        if (stream.out.writableLength > maxBuffered && stream.out.writableNeedDrain) {
          // The client reads slowly: the next page when it has taken this one.
          stream.out.once("drain", () => void catchUp(stream));
          return;
        }
        const target = feed.watermark();
        if (stream.position >= target) {
          // Synchronously with the check: every event past the watermark will be offered live.
          stream.live = true;
          return;
        }
        const rows = await readEvents(db, {
          filter: stream.group.filter,
          afterId: stream.position,
          upTo: target,
          limit: pageSize,
        });
        if (stream.closed) return;
        writePrivate(stream, rows);
        stream.position = rows.length === pageSize ? (rows.at(-1)?.id ?? target) : target;
      }
    } catch (error) {
      // The client reconnects with its last event id and gets the rest, from here or elsewhere.
      broadcastLog.warn({ err: error }, "a stream's catch-up read failed; ending the stream");
      end(stream, wire.stopping);
    } finally {
      stream.reading = false;
    }
  };

  /** Synchronous from the first row to the last stream, like the feed's own offer. */
  const onPage = (rows: readonly EventRow[]) => {
    const first = rows[0]?.id ?? 0;
    const now = Date.now();
    // Each event's JSON once for the page, whichever filters it matches.
    const json: (string | undefined)[] = new Array(rows.length);
    const jsonAt = (index: number) => {
      let text = json[index];
      if (text === undefined) {
        text = wireJson(rows[index] as EventRow);
        json[index] = text;
      }
      return text;
    };
    for (const group of groups.values()) {
      const matching: number[] = [];
      for (let i = 0; i < rows.length; i++) {
        if (matchesFilter(group.filter, rows[i] as EventRow)) matching.push(i);
      }
      const firstMatch = rows[matching[0] ?? -1]?.id;
      const lastMatch = rows[matching.at(-1) ?? -1]?.id;
      if (firstMatch === undefined || lastMatch === undefined) continue;
      let message: Message | undefined;
      for (const stream of group.streams) {
        if (!stream.live || stream.position >= lastMatch) continue;
        if (stream.out.writableLength > maxBuffered) {
          overflow(stream, first - 1);
          continue;
        }
        if (stream.position >= firstMatch) {
          const after = stream.position;
          writePrivate(
            stream,
            matching.map((i) => rows[i] as EventRow).filter((row) => row.id > after),
          );
          continue;
        }
        if (!message) {
          message = new Message(wire.message(lastMatch, eventsJson(matching.map(jsonAt))));
          counts.serialised += 1;
        }
        send(stream, message, now);
        counts.written += 1;
      }
    }
  };

  const offPage = feed.onPage(onPage);
  const stopAll = () => {
    if (closed) return;
    closed = true;
    offPage();
    offClose();
    clearInterval(pinger);
    for (const group of [...groups.values()]) {
      for (const stream of [...group.streams]) end(stream, wire.stopping);
    }
    tokens.close();
  };
  const offClose = feed.onClose(stopAll);
  const pingMs = options.pingMs ?? DEFAULTS.pingMs;
  const ping = new Message(wire.ping);
  const pingAll = () => {
    const now = Date.now();
    for (const group of groups.values()) {
      for (const stream of group.streams) {
        // A busy stream is not idle: skipping it spares 5,000 streams' writes (~50 ms of the
        // loop) that would hold up the next event's fan-out.
        if (now - stream.sentAt < pingMs / 2) continue;
        if (stream.out.writableLength <= maxBuffered) send(stream, ping, now);
      }
    }
  };
  // One timer for every stream; a ping is the same bytes for all.
  const pinger = pingMs > 0 ? setInterval(pingAll, pingMs) : undefined;
  pinger?.unref?.();

  return {
    async add({ sink, filter, tokenId, afterId }) {
      await feed.ready();
      if (sink.destroyed) return;
      if (closed) {
        sink.write(wire.stopping);
        sink.end();
        return;
      }
      const key = filterKey(filter);
      let group = groups.get(key);
      if (!group) {
        group = { filter, streams: new Set() };
        groups.set(key, group);
      }
      // Framed writes to the socket only once the response's own bytes (headers, `connected`)
      // have gone to it: nothing of the response may still be queued ahead of them.
      const socket =
        sink.chunkedEncoding === true && sink.writableLength === 0 ? sink.socket : null;
      const stream: Stream = {
        sink,
        out: socket ?? sink,
        framed: Boolean(socket),
        group,
        tokenId,
        live: afterId === null,
        position: afterId ?? feed.watermark(),
        reading: false,
        closed: false,
        // The route has just written `connected`.
        sentAt: Date.now(),
      };
      group.streams.add(stream);
      counts.streams += 1;
      tokens.add(tokenId, stream);
      sink.once("close", () => detach(stream));
      if (!stream.live) void catchUp(stream);
    },
    stats() {
      let catchingUp = 0;
      for (const group of groups.values()) {
        for (const stream of group.streams) if (!stream.live) catchingUp += 1;
      }
      return {
        streams: counts.streams,
        filters: groups.size,
        catchingUp,
        serialised: counts.serialised,
        written: counts.written,
        private: counts.private,
        overflows: counts.overflows,
        tokens: tokens.size(),
        framed: counts.framed,
      };
    },
    close: stopAll,
  };
}

/** One key per filter meaning: field order and an absent field never split a group. */
function filterKey(filter: EventFilter): string {
  return JSON.stringify([filter.kinds, filter.workflowId, filter.taskId, filter.agentId]);
}

function wireJson(row: EventRow): string {
  return JSON.stringify(toWireEvent(row));
}

function eventsJson(events: string[]): string {
  return `{"events":[${events.join(",")}]}`;
}
