/**
 * Caps what one API request may make the server read. Per-field limits (server/validation)
 * apply only once a body is parsed; without this cap a client could still make the server
 * buffer and parse any amount of JSON before a field limit says no.
 */

/** The longest URL a query or subscription may use (its input travels in `?input=`). */
export const MAX_URL_LENGTH = 64 * 1024;

export interface RequestLimitRefusal {
  status: 413 | 414;
  message: string;
}

/**
 * The request with its body read into memory, at most `maxBytes` of it, or why it is refused.
 * Streamed (unknown-length) bodies are counted as they arrive and abandoned at the limit, so a
 * lying or missing Content-Length changes nothing.
 */
export async function limitRequest(
  req: Request,
  maxBytes: number,
): Promise<Request | RequestLimitRefusal> {
  if (req.url.length > MAX_URL_LENGTH) {
    return {
      status: 414,
      message: `the URL is longer than ${MAX_URL_LENGTH} characters: send the input in a POST body`,
    };
  }
  if (!req.body) return req;
  const tooLarge: RequestLimitRefusal = {
    status: 413,
    message: `the request body is larger than ${maxBytes} bytes (task_manager.limits.request_bytes)`,
  };
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await req.body.cancel().catch(() => {});
    return tooLarge;
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(value);
  }
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: Buffer.concat(chunks),
    signal: req.signal,
  });
}
