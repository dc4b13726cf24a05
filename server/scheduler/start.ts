import "server-only";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db";
import { closeEventHub, getEventHub } from "@/server/events/hub";
import { log } from "@/server/log/logger";
import { wakeSchedulerOnEvents } from "@/server/monitor/trigger";
import { createScheduler, type Scheduler } from "./loop";
import { onStartup } from "./startup-hooks";
import { allSweeps } from "./sweeps";

export interface BackgroundServices {
  scheduler: Scheduler;
  /** Stops the scheduler (releasing the lock) and the event hub. */
  stop(): Promise<void>;
}

// Kept on globalThis: instrumentation.ts and the route handlers are separate bundles with
// their own module instances, and `next dev` re-evaluates modules on reload.
const holder = globalThis as typeof globalThis & {
  __tmBackground?: Promise<BackgroundServices>;
  __tmScheduler?: Scheduler;
};

/**
 * Starts this process's background services once (later calls share the first start): the
 * startup hooks, then the event hub, then the scheduler loop with `allSweeps`. Called by
 * instrumentation.ts `register()`; a start that fails may be retried.
 */
export function startBackgroundServices(): Promise<BackgroundServices> {
  if (!holder.__tmBackground) {
    const starting = start();
    holder.__tmBackground = starting;
    // Forget a failed start so a retry starts afresh; the caller still gets the rejection.
    starting.catch(() => {
      if (holder.__tmBackground === starting) holder.__tmBackground = undefined;
    });
  }
  return holder.__tmBackground;
}

/** This process's scheduler, or null before startBackgroundServices() has finished. */
export function getRunningScheduler(): Scheduler | null {
  return holder.__tmScheduler ?? null;
}

async function start(): Promise<BackgroundServices> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the server with `npm start`");
  const config = getConfig();
  const db = getDb();
  for (const hook of onStartup) await hook(db);

  const hub = getEventHub();
  // Before serving: a long-polling claim that starts now must hear the next notification.
  await hub.ready();
  const scheduler = createScheduler({
    url,
    db,
    sweeps: allSweeps,
    intervalS: config.taskManager.schedulingInterval,
  });
  scheduler.start();
  holder.__tmScheduler = scheduler;
  // Alert rules are re-evaluated when their inputs change, not only on the loop's timers.
  const stopWaking = wakeSchedulerOnEvents(hub, scheduler);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      holder.__tmScheduler = undefined;
      stopWaking();
      await scheduler.stop();
      await closeEventHub();
      holder.__tmBackground = undefined;
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Next registers its own handlers, which exit the process once its server has drained;
    // this one only releases the lock early so another instance takes over at once. If no
    // other handler is left (NEXT_MANUAL_SIG_HANDLE), the signal is raised again once stopped,
    // because a handler that only cleans up would otherwise keep the process alive.
    const alone = process.listenerCount(signal) === 1;
    stop()
      .catch((error: unknown) => log.error({ err: error }, "background services: stopping failed"))
      .finally(() => {
        if (alone) process.kill(process.pid, signal);
      });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  log.info({ instanceId: scheduler.instanceId }, "background services started");
  return { scheduler, stop };
}
