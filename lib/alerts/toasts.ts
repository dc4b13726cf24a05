/** At most this many toasts at once: a storm of alerts must not cover the page. */
export const MAX_TOASTS = 3;

/**
 * A toast hides itself after this long, unless keyboard focus is in the toasts. The pointer
 * does not hold them: a toast that appears over something being clicked would then never go.
 * Every alert stays on /alerts, so nothing is lost when a toast goes.
 */
export const TOAST_MS = 10_000;

/**
 * The newest `max` toasts, in arrival order; but the toast holding keyboard focus (`focusedId`)
 * stays, however old, and an older one goes in its place. Pushed out, it would take the
 * user's focus with it: the page's focus falls back to the document, and the toasts left
 * start hiding themselves. Alerts come in storms (agents going offline together).
 */
export function keepNewest<T extends { id: number }>(
  toasts: readonly T[],
  max: number,
  focusedId: number | null,
): T[] {
  if (toasts.length <= max) return [...toasts];
  const focused = toasts.find((toast) => toast.id === focusedId);
  if (!focused) return toasts.slice(-max);
  const others = toasts.filter((toast) => toast !== focused);
  // Not slice(-0), which is the whole list.
  const newest = new Set(max > 1 ? others.slice(-(max - 1)) : []);
  return toasts.filter((toast) => toast === focused || newest.has(toast));
}
