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
  /**
   * Resolves when the database answers, e.g. `select 1` through the pool. It must settle on
   * its own (the pool's connect timeout bounds it): a new probe starts only once it has.
   */
  probe: () => Promise<unknown>;
  log: Logger;
  probeIntervalMs?: number;
}

export function createDatabaseCircuit(options: DatabaseCircuitOptions): DatabaseCircuit {
  const probeIntervalMs = options.probeIntervalMs ?? 250;
  let downSince: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let probing = false;
  let closed = false;

  const markUp = () => {
    if (downSince === null) return;
    options.log.info({ downForMs: Date.now() - downSince }, "the database is reachable again");
    downSince = null;
    clearTimeout(timer);
  };

  const schedule = () => {
    if (closed || downSince === null) return;
    timer = setTimeout(probe, probeIntervalMs);
    timer.unref?.();
  };

  const probe = () => {
    // A probe still waiting on the pool is left to finish rather than joined by another.
    if (!probing) {
      probing = true;
      void options
        .probe()
        .then(markUp, () => {})
        .finally(() => {
          probing = false;
        });
    }
    schedule();
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
