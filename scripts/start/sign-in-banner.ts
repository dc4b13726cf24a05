/**
 * The block printed on a first start, as Jupyter prints its token URL: the link opens a page
 * that names the new admin token and signs the browser in with one click. The secret is stored only hashed, so this
 * is the one chance to see it.
 */
export function signInBanner(token: string, where: { host: string; port: number }): string {
  const link = `http://${linkHost(where.host)}:${where.port}/sign-in?token=${encodeURIComponent(token)}`;
  const rule = "─".repeat(72);
  return [
    "",
    rule,
    "  First start: an admin token was created. Open this link and click Sign in:",
    "",
    `    ${link}`,
    "",
    "  It is shown only once: the token is stored hashed and cannot be displayed again.",
    "  API clients can send it as a header:  Authorization: Bearer <token>",
    rule,
    "",
    "",
  ].join("\n");
}

// A wildcard listen address is not somewhere a browser can go; loopback is on every host.
export function linkHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
