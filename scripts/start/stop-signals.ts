export interface StopSignals {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal;
  /** Resolves with the first stop signal received. */
  readonly first: Promise<NodeJS.Signals>;
  /** Called for each signal after the first: the user insists. */
  onRepeat(listener: (signal: NodeJS.Signals) => void): void;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/**
 * Signals this close to the first are that same stop: one Ctrl-C reaches the launcher twice,
 * from the terminal and again forwarded by npm (and tsx), and must not count as "now".
 */
export const SAME_STOP_MS = 1_000;

/**
 * Takes over the stop signals for the launcher's whole life, from before PostgreSQL starts:
 * a Ctrl-C at any point must end with everything it started stopped in order, never with
 * Node's default of exiting on the spot and orphaning the children.
 */
export function watchStopSignals(): StopSignals {
  const controller = new AbortController();
  const repeatListeners: ((signal: NodeJS.Signals) => void)[] = [];
  let resolveFirst: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  let firstAt = 0;
  for (const name of STOP_SIGNALS) {
    process.on(name, () => {
      if (!controller.signal.aborted) {
        firstAt = Date.now();
        controller.abort();
        resolveFirst(name);
      } else if (Date.now() - firstAt >= SAME_STOP_MS) {
        for (const listener of repeatListeners) listener(name);
      }
    });
  }
  return {
    signal: controller.signal,
    first,
    onRepeat: (listener) => {
      repeatListeners.push(listener);
    },
  };
}
