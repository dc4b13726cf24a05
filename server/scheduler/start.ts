import "server-only";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db";
import { closeEventHub, getEventHub } from "@/server/events/hub";
import { log } from "@/server/log/logger";
import { wakeSchedulerOnEvents } from "@/server/monitor/trigger";
import { onShutdown } from "@/server/process/shutdown";
import { processSlot } from "@/server/process/slots";
import { createScheduler, type Scheduler } from "./loop";
import { onStartup } from "./startup-hooks";
import { allSweeps } from "./sweeps";

export interface BackgroundServices {
  scheduler: Scheduler;
  /** Stops the scheduler (releasing the lock) and the event hub. */
  stop(): Promise<void>;
}

// Shared by every bundle: instrumentation.ts starts them, route handlers ask for the scheduler.
const background = processSlot<Promise<BackgroundServices>>("backgroundServices");
const running = processSlot<Scheduler>("scheduler");

/**
 * Starts this process's background services once (later calls share the first start): the
 * startup hooks, then the event hub, then the scheduler loop with `allSweeps`. Called by
 * instrumentation.ts `register()`; a start that fails may be retried.
 */
export function startBackgroundServices(): Promise<BackgroundServices> {
  return background.getOrCreate(() => {
    const starting = start();
    // Forget a failed start so a retry starts afresh; the caller still gets the rejection.
    starting.catch(() => {
      if (background.get() === starting) background.clear();
    });
    return starting;
  });
}

/** This process's scheduler, or null before startBackgroundServices() has finished. */
export function getRunningScheduler(): Scheduler | null {
  return running.get() ?? null;
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
  running.set(scheduler);
  // Alert rules are re-evaluated when their inputs change, not only on the loop's timers.
  const stopWaking = wakeSchedulerOnEvents(hub, scheduler);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      undoShutdown();
      running.clear();
      stopWaking();
      // The lock goes with the scheduler's connection: another instance takes over at once.
      await scheduler.stop();
      await closeEventHub();
      background.clear();
    })();
    return stopping;
  };
  const undoShutdown = onShutdown("background", "scheduler", stop);
  log.info({ instanceId: scheduler.instanceId }, "background services started");
  return { scheduler, stop };
}
