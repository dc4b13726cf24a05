/**
 * A small `events.stream` reader for the benchmark (the alert latency): the same parsing as
 * server/events/stream-http.test.ts, but over node:http rather than fetch, and push-style: a
 * callback per data event, with the time its chunk was read. The fan-out's thousands of
 * streams use fanout-client.ts instead, in child processes.
 */
import http from "node:http";
import type { WireEvent } from "@/server/events/read";
import { parseSseMessage } from "@/test/sse-message";
import { now } from "./stats";

/** Its own connections, without limit: one per open stream. */
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

let chunks = 0;
/** Body chunks read so far by every stream (how the server's writes arrive). */
export const chunksRead = () => chunks;

export interface StreamInput {
  kinds?: string[];
  workflowId?: string;
  taskId?: string;
  agentId?: string;
  lastEventId?: string;
}

export interface SseStream {
  /** Resolves once the response headers arrived (HTTP 200, text/event-stream). */
  opened: Promise<void>;
  /** Resolves when the stream ends or is closed; never rejects (see `error`). */
  ended: Promise<void>;
  /** The first failure: a bad status, a `serialized-error` message, a broken connection. */
  error(): unknown;
  /** Aborts the request; resolves once the reading loop has stopped. */
  close(): Promise<void>;
}

export interface OpenStreamParams {
  baseUrl: string;
  token: string;
  input?: StreamInput;
  /** Every data event, in order; `receivedAt` is `now()` when its chunk was read. */
  onEvent(event: WireEvent, receivedAt: number): void;
  /** tRPC's own `connected` message (sent once the subscription started). */
  onConnected?(): void;
}

export function openEventStream(params: OpenStreamParams): SseStream {
  const url = new URL("/api/trpc/events.stream", params.baseUrl);
  if (params.input) url.searchParams.set("input", JSON.stringify(params.input));
  const controller = new AbortController();
  let failure: unknown;
  let markOpened: () => void = () => {};
  let failOpen: (error: unknown) => void = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve;
    failOpen = reject;
  });
  // Handled here so an unawaited `opened` never becomes an unhandled rejection.
  opened.catch(() => {});

  const read = () =>
    new Promise<void>((resolve, reject) => {
      const request = http.get(
        url,
        {
          agent,
          headers: { accept: "text/event-stream", authorization: `Bearer ${params.token}` },
          signal: controller.signal,
        },
        (response) => {
          if (response.statusCode !== 200) {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (text: string) => {
              body += text;
            });
            response.on("end", () =>
              reject(new Error(`events.stream: HTTP ${response.statusCode} ${body}`)),
            );
            return;
          }
          markOpened();
          response.setEncoding("utf8");
          let buffer = "";
          response.on("data", (text: string) => {
            chunks++;
            const receivedAt = now();
            buffer += text;
            // A blank line ends a message (https://html.spec.whatwg.org/#event-stream-interpretation).
            let end = buffer.indexOf("\n\n");
            if (end === -1) return;
            let start = 0;
            try {
              while (end !== -1) {
                const message = parseSseMessage(buffer.slice(start, end));
                start = end + 2;
                end = buffer.indexOf("\n\n", start);
                if (!message) continue;
                if (message.event === "message") {
                  const { events } = JSON.parse(message.data) as { events: WireEvent[] };
                  for (const event of events) params.onEvent(event, receivedAt);
                } else if (message.event === "connected") params.onConnected?.();
                else if (message.event === "serialized-error") {
                  throw new Error(`events.stream error: ${message.data}`);
                }
              }
            } catch (error) {
              response.destroy();
              reject(error);
            }
            buffer = buffer.slice(start);
          });
          response.on("end", resolve);
          response.on("error", reject);
          response.on("close", resolve);
        },
      );
      request.on("error", reject);
    });

  const ended = read().then(
    () => failOpen(new Error("events.stream ended before it opened")),
    (error: unknown) => {
      if (!controller.signal.aborted) failure ??= error;
      failOpen(error);
    },
  );
  return {
    opened,
    ended,
    error: () => failure,
    close: async () => {
      controller.abort();
      await ended;
    },
  };
}

/** Resolves when `condition()` holds (checked every `intervalMs`), rejects after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 5,
): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!condition()) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
