/**
 * Response headers for a page or redirect whose address may carry a token (`?token=…`). No
 * imports: proxy.ts uses it too.
 */
export const TOKEN_PAGE_HEADERS = {
  // The address holds a secret: no request to another site may carry it away in a Referer.
  // Not no-referrer: that also turns the Origin of the page's own form POST into "null",
  // which the sign-in route's same-origin check must refuse.
  "referrer-policy": "same-origin",
  // No other site may frame the confirmation page and have the visitor click its button.
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
} as const;

export function setTokenPageHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(TOKEN_PAGE_HEADERS)) headers.set(name, value);
}
