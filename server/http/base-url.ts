/** What a header may say a host is: a name or address and an optional port, nothing else. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The base URL a browser used to reach this server (`http://127.0.0.1:3000`), for snippets
 * the reader will paste: behind a proxy the forwarded host and scheme, else the Host header.
 * A header that is no plain host falls back to `fallback` rather than being echoed.
 */
export function requestBaseUrl(headers: HeaderReader, fallback = "http://127.0.0.1:3000"): string {
  const host = firstValue(headers.get("x-forwarded-host")) ?? firstValue(headers.get("host"));
  if (!host || !HOST.test(host)) return fallback;
  const proto = firstValue(headers.get("x-forwarded-proto"));
  const scheme = proto === "https" || proto === "http" ? proto : "http";
  return `${scheme}://${host}`;
}

// Proxies append: "a, b" means the client's own value came first.
function firstValue(value: string | null): string | undefined {
  const first = value?.split(",")[0]?.trim();
  return first ? first : undefined;
}
