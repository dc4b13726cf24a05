import { isDatabaseUnavailable } from "@/server/errors";
import type { Logger } from "./logger";

/**
 * Logs a repeating operation's failures once per change of state instead of once per retry:
 * the first failure in full, then at most one "still failing" line per `repeatEveryMs`, and one
 * line when it works again. A background loop retrying through a database outage otherwise
 * writes a line (and a stack) every few hundred milliseconds.
 */
export interface FailureLog {
  failed(error: unknown): void;
  succeeded(): void;
}

export function createFailureLog(
  log: Logger,
  what: string,
  options: { repeatEveryMs?: number; now?: () => number } = {},
): FailureLog {
  const repeatEveryMs = options.repeatEveryMs ?? 60_000;
  const now = options.now ?? Date.now;
  let since: number | null = null;
  let failures = 0;
  let lastLoggedAt = 0;

  return {
    failed(error) {
      failures += 1;
      const at = now();
      const unavailable = isDatabaseUnavailable(error);
      if (since === null) {
        since = at;
        lastLoggedAt = at;
        if (unavailable) log.warn({ err: error }, `${what} failed: the database is unavailable`);
        else log.error({ err: error }, `${what} failed`);
        return;
      }
      if (at - lastLoggedAt < repeatEveryMs) return;
      lastLoggedAt = at;
      const fields = { err: error, failures, failingForMs: at - since };
      if (unavailable) log.warn(fields, `${what} still failing: the database is unavailable`);
      else log.error(fields, `${what} still failing`);
    },
    succeeded() {
      if (since === null) return;
      log.info({ failures, failedForMs: now() - since }, `${what} works again`);
      since = null;
      failures = 0;
    },
  };
}
