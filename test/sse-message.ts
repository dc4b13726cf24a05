/** One server-sent event: "message" for data; tRPC's own are connected, ping, serialized-error. */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Parses one message block (the text between blank lines) of a text/event-stream, per
 * https://html.spec.whatwg.org/#event-stream-interpretation. Null for a block with neither data
 * nor id (a comment or a bare ping).
 */
export function parseSseMessage(block: string): SseMessage | null {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === 0 || line === "") continue;
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  return data.length === 0 && id === undefined ? null : { event, id, data: data.join("\n") };
}
