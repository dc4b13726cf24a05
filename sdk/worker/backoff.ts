import { isTransient } from "../errors";

/**
 * Waits `ms`, or less if `signal` aborts first. Never rejects: resolves true when the full
 * time passed, false when aborted, so loops can check their own stop flag. No timer outlives
 * the wait.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Exponential from 100 ms to `maxMs`, with jitter so a fleet does not retry in step. */
export function backoffMs(attempt: number, maxMs = 5_000): number {
  const ceiling = Math.min(maxMs, 100 * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `call` until it succeeds or fails with a non-transient error (rethrown). Transient
 * failures (network, 5xx) are reported to `onError` and retried with backoff until `signal`
 * aborts; then the last error is thrown.
 */
export async function retryTransient<T>(
  call: () => Promise<T>,
  options: { signal?: AbortSignal; onError: (error: unknown) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || options.signal?.aborted) throw error;
      options.onError(error);
      await abortableSleep(backoffMs(attempt), options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
