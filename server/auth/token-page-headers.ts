/**
 * Response headers for a page or redirect whose address may carry a token (`?token=…`). No
 * imports: proxy.ts uses it too.
 */
export const TOKEN_PAGE_HEADERS = {
  // The address holds a secret: no request from the page may carry it away in a Referer.
  "referrer-policy": "no-referrer",
  // No other site may frame the confirmation page and have the visitor click its button.
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
} as const;

export function setTokenPageHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(TOKEN_PAGE_HEADERS)) headers.set(name, value);
}
