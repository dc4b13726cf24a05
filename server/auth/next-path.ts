/** A stand-in origin to resolve `next` against: only what stays on it is a path of ours. */
const DUMMY_ORIGIN = "http://next-path.invalid";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * C0 controls and DEL. Browsers drop tabs and newlines while parsing a URL (so `/\t/evil`
 * becomes `//evil`), and a CR or LF cannot go into a Location header at all.
 */
export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/**
 * Where to send the browser after sign-in: `next` if it is a path on this site, else `/`.
 * Decided by the URL parser browsers use, not by looking at prefixes: `\\evil`, `/\evil` and
 * `https://evil` all resolve off the dummy origin, and the result is the parser's own
 * serialisation, re-checked, since dot segments can collapse into `//` (`/.//evil`).
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next?.startsWith("/") || hasControlCharacter(next)) return "/";
  if (!URL.canParse(next, DUMMY_ORIGIN)) return "/";
  const url = new URL(next, DUMMY_ORIGIN);
  if (url.origin !== DUMMY_ORIGIN) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") || path.startsWith("/\\") ? "/" : path;
}
