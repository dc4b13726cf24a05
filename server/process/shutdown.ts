import { log } from "@/server/log/logger";
import { processSlot } from "./slots";

/**
 * The order in which a stopping server lets go of things. Streams first: Next drains open
 * requests before it exits and a stream never ends by itself, so without this a stop would
 * last until the launcher's kill timeout (clients reconnect elsewhere with their last event
 * id). Then the background services (the scheduler releases the sweep lock, so another
 * instance takes over at once), then the connections they used.
 */
export const SHUTDOWN_PHASES = ["streams", "background", "connections"] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
type SignalListener = (signal: NodeJS.Signals) => void;

/** What the coordinator needs of `process`, so tests can hand in an emitter of their own. */
export interface SignalTarget {
  pid: number;
  prependListener(signal: NodeJS.Signals, listener: SignalListener): unknown;
  off(signal: NodeJS.Signals, listener: SignalListener): unknown;
  listenerCount(signal: NodeJS.Signals): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

export interface Shutdown {
  /** Runs `run` when the process is told to stop, in its phase's turn. Returns an undo. */
  onShutdown(phase: ShutdownPhase, name: string, run: () => void | Promise<void>): () => void;
  /** Runs every registered step once, phase by phase; a failing step does not stop others. */
  shutDown(): Promise<void>;
}

/**
 * The server's one SIGTERM/SIGINT handler, there while any step is registered. It runs first
 * (prepended), so streams end before Next starts draining. Next's own handlers then exit the
 * process once its server has drained; when there are none (a test server,
 * NEXT_MANUAL_SIG_HANDLE) nothing else would end the process, so the signal is raised again,
 * unhandled, once the steps are done.
 */
export function createShutdown(
  target: SignalTarget,
  onError: (step: string, error: unknown) => void,
): Shutdown {
  const steps = new Set<{ phase: ShutdownPhase; name: string; run: () => void | Promise<void> }>();
  let running: Promise<void> | undefined;
  let listening = false;

  const listen = (on: boolean) => {
    if (on === listening) return;
    listening = on;
    for (const signal of SIGNALS) {
      if (on) target.prependListener(signal, onSignal);
      else target.off(signal, onSignal);
    }
  };

  const shutDown = () => {
    running ??= (async () => {
      for (const phase of SHUTDOWN_PHASES) {
        const due = [...steps].filter((step) => step.phase === phase);
        for (const step of due) steps.delete(step);
        await Promise.all(
          due.map(async (step) => {
            try {
              await step.run();
            } catch (error) {
              onError(step.name, error);
            }
          }),
        );
      }
      if (steps.size === 0) listen(false);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  function onSignal(signal: NodeJS.Signals) {
    listen(false);
    const othersHandleIt = target.listenerCount(signal) > 0;
    void shutDown().finally(() => {
      if (!othersHandleIt) target.kill(target.pid, signal);
    });
  }

  return {
    onShutdown(phase, name, run) {
      const step = { phase, name, run };
      steps.add(step);
      listen(true);
      return () => {
        steps.delete(step);
        if (steps.size === 0) listen(false);
      };
    },
    shutDown,
  };
}

const processShutdown = processSlot<Shutdown>("shutdown").getOrCreate(() =>
  createShutdown(process, (step, error) =>
    log.error({ err: error, step }, "shutdown: a step failed"),
  ),
);

export const onShutdown: Shutdown["onShutdown"] = (...args) => processShutdown.onShutdown(...args);
