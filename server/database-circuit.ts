import { DatabaseUnavailableError, isDatabaseUnavailable } from "@/server/errors";
import type { Logger } from "@/server/log/logger";

/**
 * Remembers that the database is down, so requests answer 503 at once instead of each waiting
 * for its own connection attempt to fail, and notices within `probeIntervalMs` that it is back.
 * The first failure that shows the database unreachable opens it (`isDown`); from then on a
 * probe runs every `probeIntervalMs` until one succeeds.
 */
export interface DatabaseCircuit {
  isDown(): boolean;
  /** Throws DatabaseUnavailableError while the database is known to be down. */
  assertUp(): void;
  /** Any failure may be reported: only one that shows the database unreachable counts. */
  report(error: unknown): void;
  /** Stops probing (the process is stopping). */
  close(): void;
}

export interface DatabaseCircuitOptions {
  /** Resolves when the database answers, e.g. `select 1` through the pool. */
  probe: () => Promise<unknown>;
  log: Logger;
  probeIntervalMs?: number;
  /** A probe that takes longer counts as failed; a new one starts only when it settles. */
  probeTimeoutMs?: number;
}

export function createDatabaseCircuit(options: DatabaseCircuitOptions): DatabaseCircuit {
  const probeIntervalMs = options.probeIntervalMs ?? 250;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
  let downSince: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<unknown> | undefined;
  let closed = false;

  const schedule = () => {
    if (closed || downSince === null) return;
    timer = setTimeout(probe, probeIntervalMs);
    timer.unref?.();
  };

  const probe = async () => {
    timer = undefined;
    // A probe still waiting on the pool is awaited again rather than joined by another.
    inflight ??= options.probe().finally(() => {
      inflight = undefined;
    });
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        inflight,
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error("probe timed out")), probeTimeoutMs);
        }),
      ]);
      if (downSince !== null) {
        options.log.info({ downForMs: Date.now() - downSince }, "the database is reachable again");
      }
      downSince = null;
    } catch {
      schedule();
    } finally {
      clearTimeout(timeout);
    }
  };

  return {
    isDown: () => downSince !== null,
    assertUp() {
      if (downSince !== null) throw new DatabaseUnavailableError();
    },
    report(error) {
      if (closed || downSince !== null || !isDatabaseUnavailable(error)) return;
      downSince = Date.now();
      options.log.warn(
        { err: error },
        "the database is unreachable: answering 503 until a probe succeeds",
      );
      schedule();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
