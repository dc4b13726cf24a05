import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import type { Database } from "@/db/client";
import { createFailureLog } from "@/server/log/failure-log";
import { log } from "@/server/log/logger";
import { createAlarm } from "./alarm";
import { createLeadership } from "./leader";
import { runPass } from "./pass";
import type { PassReport, Sweep } from "./types";

export interface SchedulerOptions {
  /** For the lock connection; sweeps run on `db`. */
  url: string;
  db: Database;
  sweeps: readonly Sweep[];
  /** The scheduling interval: the longest sleep between two passes. */
  intervalS: number;
  /** Names this instance in the leader report. Default: host name and process id. */
  instanceId?: string;
  /** How often a follower tries to take the lock. Default: min(intervalS, 5). */
  retryLeadershipS?: number;
}

export interface SchedulerStatus {
  instanceId: string;
  isLeader: boolean;
  lastPassAt: Date | null;
  /** When the leader's loop runs its next pass; null on a follower. */
  nextPassAt: Date | null;
}

/** Events a test or an operator view can await. */
export interface SchedulerEvents {
  /** This instance took the lock. */
  leader: [{ instanceId: string }];
  /** An attempt found another leader; emitted on the first such attempt of a term. */
  follower: [{ instanceId: string }];
  /** This instance no longer leads (connection lost, or stop()). */
  lost: [{ instanceId: string; reason: string }];
  /** A pass finished, on the loop or through runOnce(). */
  pass: [PassReport];
}

export interface Scheduler {
  readonly instanceId: string;
  readonly events: EventEmitter<SchedulerEvents>;
  /** Starts the loop: compete for the lock, and sweep while leading. Idempotent. */
  start(): void;
  /** Ends the loop, waits for a running pass, releases the lock, closes its connection. */
  stop(): Promise<void>;
  /**
   * Runs one pass now on this instance, leader or not (sweeps are safe concurrently). On the
   * leader, a sooner `nextPassAt` also brings the loop's next pass forward.
   */
  runOnce(): Promise<PassReport>;
  /** Makes the leader pass again now (or right after the pass in progress). */
  wake(): void;
  status(): SchedulerStatus;
}

/** Host name and process id, within the 40 characters an application_name leaves us. */
export function defaultInstanceId(): string {
  return `${hostname()
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 30)}:${process.pid}`;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const instanceId = options.instanceId ?? defaultInstanceId();
  const retryMs = (options.retryLeadershipS ?? Math.min(options.intervalS, 5)) * 1000;
  const events = new EventEmitter<SchedulerEvents>();
  const alarm = createAlarm();
  let running: Promise<void> | null = null;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  let lastPassAt: Date | null = null;
  let nextPassAt: Date | null = null;
  // Announce "follower" once per term, not on every retry.
  let announcedFollower = false;
  const schedulerLog = log.child({ component: "scheduler", instanceId });
  const loopFailures = createFailureLog(schedulerLog, "the scheduler loop");

  const leadership = createLeadership({
    url: options.url,
    instanceId,
    onLost(reason) {
      schedulerLog.warn({ reason }, "lost leadership");
      nextPassAt = null;
      announcedFollower = false;
      events.emit("lost", { instanceId, reason });
      // Try again at once: after a database restart the lock is free.
      alarm.wake();
    },
  });

  const pass = async (trigger: PassReport["trigger"]) => {
    const report = await runPass(options.db, options.sweeps, {
      instanceId,
      trigger,
      intervalS: options.intervalS,
    });
    lastPassAt = report.finishedAt;
    return report;
  };

  const attemptLeadership = async () => {
    const acquired = await leadership.tryAcquire();
    if (acquired) {
      announcedFollower = false;
      schedulerLog.info("leading");
      events.emit("leader", { instanceId });
    } else if (!announcedFollower) {
      announcedFollower = true;
      events.emit("follower", { instanceId });
    }
    return acquired;
  };

  /** One turn of the loop: returns when the next turn may begin. */
  const turn = async () => {
    const leading = leadership.held ? await leadership.confirm() : await attemptLeadership();
    if (!leading || stopping) {
      await alarm.sleepUntil(new Date(Date.now() + retryMs));
      return;
    }
    const report = await pass("loop");
    nextPassAt = report.nextPassAt;
    events.emit("pass", report);
    await alarm.sleepUntil(report.nextPassAt);
  };

  const loop = async () => {
    while (!stopping) {
      try {
        await turn();
        loopFailures.succeeded();
      } catch (error) {
        // The database is unreachable, or a listener threw: the loop must outlive both.
        loopFailures.failed(error);
        if (!stopping) await alarm.sleepUntil(new Date(Date.now() + retryMs));
      }
    }
  };

  return {
    instanceId,
    events,
    start() {
      if (running || stopping) return;
      running = loop();
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        alarm.wake();
        await running;
        const wasLeader = leadership.held;
        await leadership.release();
        nextPassAt = null;
        if (wasLeader) events.emit("lost", { instanceId, reason: "stopped" });
      })();
      return stopped;
    },
    async runOnce() {
      const report = await pass("manual");
      if (leadership.held && !stopping) {
        alarm.bringForward(report.nextPassAt);
        nextPassAt = alarm.dueAt() ?? nextPassAt;
      }
      events.emit("pass", report);
      return report;
    },
    wake: () => alarm.wake(),
    status: () => ({ instanceId, isLeader: leadership.held, lastPassAt, nextPassAt }),
  };
}
