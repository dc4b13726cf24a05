import { describe, expect, it } from "vitest";
import { EVENT_STREAM_WIRE, SSE_CONNECTED } from "@/server/api/sse-wire";
import { createSseReader } from "./sse-reader";

/** One HTTP/1.1 chunk around `bytes`, as the server frames a message. */
function chunk(bytes: Uint8Array | string): Buffer {
  const body = Buffer.from(bytes);
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n")]);
}

const HEAD =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
const first = '{"events":[{"id":7,"kind":"task.submitted"}]}';
const second = '{"events":[{"id":8,"kind":"a"},{"id":9,"kind":"b"}]}';

/** A response as the server writes it: head, `connected`, a ping, two messages, the end. */
const RESPONSE = Buffer.concat([
  Buffer.from(HEAD),
  chunk(SSE_CONNECTED),
  chunk(EVENT_STREAM_WIRE.ping),
  chunk(EVENT_STREAM_WIRE.message(7, first)),
  // Two messages in one chunk, and a chunk extension: framing and messages are independent.
  Buffer.from(`${Buffer.byteLength(`data: ${second}\nid: 9\n\n\n`).toString(16)};x=y\r\n`),
  Buffer.from(`data: ${second}\nid: 9\n\n\n\r\n`),
  chunk(EVENT_STREAM_WIRE.revoked),
  Buffer.from("0\r\n\r\n"),
]);

const connectedData = /data: (.*)\n/.exec(Buffer.from(SSE_CONNECTED).toString())?.[1];

/** What the reader reports for `response` handed over in `pieces`. */
function readAll(pieces: Buffer[]) {
  const seen: string[] = [];
  const read = createSseReader({
    onHead: (status, headers) => seen.push(`head ${status} ${headers.length}`),
    onMessage: ({ event, data, id }) =>
      seen.push(`message ${event ?? "-"} ${id ?? "-"} ${data?.toString("utf8") ?? "-"}`),
    onEnd: () => seen.push("end"),
    onError: (message) => seen.push(`error ${message}`),
  });
  // A shared read buffer: what the reader keeps must be a copy.
  const shared = Buffer.alloc(RESPONSE.length);
  for (const piece of pieces) {
    piece.copy(shared);
    read(shared.subarray(0, piece.length));
    shared.fill(0);
  }
  return seen;
}

describe("createSseReader", () => {
  const whole = readAll([RESPONSE]);

  it("takes apart the head, the chunks and every SSE message with its fields", () => {
    expect(whole[0]).toBe("head HTTP/1.1 200 OK 2");
    expect(whole.slice(1, 3)).toEqual([`message connected - ${connectedData}`, "message ping - "]);
    expect(whole.slice(3, 5)).toEqual([`message - 7 ${first}`, `message - 9 ${second}`]);
    expect(whole[5]).toMatch(/^message serialized-error - \{/);
    expect(whole.at(-1)).toBe("end");
    expect(whole).toHaveLength(7);
  });

  it("reads the same whatever the reads' boundaries", () => {
    for (let cut = 1; cut < RESPONSE.length; cut++) {
      expect(readAll([RESPONSE.subarray(0, cut), RESPONSE.subarray(cut)])).toEqual(whole);
    }
    expect(readAll([...RESPONSE].map((byte) => Buffer.from([byte])))).toEqual(whole);
  });

  it("hands on a message that came whole in one read without copying it", () => {
    const datas: Buffer[] = [];
    const read = createSseReader({
      onHead: () => {},
      onMessage: ({ data }) => {
        if (data) datas.push(data);
      },
      onEnd: () => {},
      onError: () => {},
    });
    const head = Buffer.from(`${HEAD}${chunk(EVENT_STREAM_WIRE.message(7, first)).toString()}`);
    read(head);
    // The second message follows the extra newline that ended the first one's read.
    const framed = chunk(EVENT_STREAM_WIRE.message(9, second));
    // Not from Node's shared pool, where a copy could land in the same ArrayBuffer.
    const next = Buffer.alloc(framed.length);
    framed.copy(next);
    read(next);
    expect(datas.map((data) => data.toString())).toEqual([first, second]);
    expect(datas[1]?.buffer).toBe(next.buffer);
  });

  it("a reader put in another's state reads on from where that one stopped", () => {
    const reader = (seen: string[]) =>
      createSseReader({
        onHead: (status, headers) => seen.push(`head ${status} ${headers.length}`),
        onMessage: ({ event, data, id }) =>
          seen.push(`message ${event ?? "-"} ${id ?? "-"} ${data?.toString("utf8") ?? "-"}`),
        onEnd: () => seen.push("end"),
        onError: (message) => seen.push(`error ${message}`),
      });
    let resumed = 0;
    for (let cut = 1; cut < RESPONSE.length; cut++) {
      const first: string[] = [];
      const a = reader(first);
      a(RESPONSE.subarray(0, cut));
      const state = a.state();
      if (state === undefined) continue;
      const rest: string[] = [];
      const b = reader(rest);
      b(Buffer.from(HEAD));
      b.restore(state);
      b(RESPONSE.subarray(cut));
      expect([...first, ...rest.slice(1)]).toEqual(whole);
      resumed += 1;
    }
    // Every cut but those inside the head or inside a message's unfinished bytes.
    expect(resumed).toBeGreaterThan(20);
  });

  it("reports a bad chunk size", () => {
    const seen = readAll([Buffer.from(`${HEAD}zz\r\n`)]);
    expect(seen.at(-1)).toMatch(/^error a bad chunk size/);
  });
});
