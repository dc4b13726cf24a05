import type { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tapLogLines } from "@/server/log/logger";
import { setupTestDatabase } from "@/test/db";
import { getSchedulerLeader, SCHEDULER_APPLICATION_PREFIX } from "./leader";
import {
  createScheduler,
  type Scheduler,
  type SchedulerEvents,
  type SchedulerOptions,
} from "./loop";
import type { Sweep } from "./types";

const pg = setupTestDatabase();
const started: Scheduler[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
  vi.restoreAllMocks();
});

/** A scheduler on its own lock connection: a separate instance as far as PostgreSQL knows. */
function instance(instanceId: string, options: Partial<SchedulerOptions> = {}): Scheduler {
  const scheduler = createScheduler({
    url: pg.url,
    db: pg.db,
    sweeps: [],
    intervalS: 60,
    // Followers retry often, so a takeover is quick; nothing else depends on it.
    retryLeadershipS: 0.05,
    instanceId,
    ...options,
  });
  started.push(scheduler);
  return scheduler;
}

interface CountingSweep extends Sweep {
  runs: number;
}

function countingSweep(name: string, nextDueAt: () => Date | null = () => null): CountingSweep {
  const sweep: CountingSweep = {
    name,
    runs: 0,
    async run() {
      sweep.runs += 1;
      return { nextDueAt: nextDueAt() };
    },
  };
  return sweep;
}

/** Fails the test instead of hanging it when an awaited event never comes. */
async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

type Payload<K extends keyof SchedulerEvents> = SchedulerEvents[K][0];

/** The next `count` events `name` of `scheduler`; subscribe before causing them. */
function nextEvents<K extends keyof SchedulerEvents>(
  scheduler: Scheduler,
  name: K,
  count = 1,
): Promise<Payload<K>[]> {
  // The typed emitter's overloads do not survive a generic key; the payloads are typed above.
  const emitter = scheduler.events as unknown as EventEmitter;
  const received: Payload<K>[] = [];
  const all = new Promise<Payload<K>[]>((resolve) => {
    const listener = (payload: Payload<K>) => {
      received.push(payload);
      if (received.length < count) return;
      emitter.off(name, listener);
      resolve(received);
    };
    emitter.on(name, listener);
  });
  return within(all, `${count} ${name} event(s) from ${scheduler.instanceId}`);
}

async function nextEvent<K extends keyof SchedulerEvents>(scheduler: Scheduler, name: K) {
  const [payload] = await nextEvents(scheduler, name);
  return payload as Payload<K>;
}

/** Whether a started scheduler took the lock or found it taken, whichever it learns first. */
function firstRole(scheduler: Scheduler): Promise<"leader" | "follower"> {
  return within(
    new Promise((resolve) => {
      const settle = (role: "leader" | "follower") => () => {
        scheduler.events.off("leader", onLeader);
        scheduler.events.off("follower", onFollower);
        resolve(role);
      };
      const onLeader = settle("leader");
      const onFollower = settle("follower");
      scheduler.events.on("leader", onLeader);
      scheduler.events.on("follower", onFollower);
    }),
    `a role for ${scheduler.instanceId}`,
  );
}

/** Starts two instances and returns them as [leader, follower]. */
async function leaderAndFollower(
  options: { a?: Partial<SchedulerOptions>; b?: Partial<SchedulerOptions> } = {},
) {
  const a = instance("instance-a", options.a);
  const b = instance("instance-b", options.b);
  const roles = Promise.all([firstRole(a), firstRole(b)]);
  a.start();
  b.start();
  const [roleA, roleB] = await roles;
  expect([roleA, roleB].sort()).toEqual(["follower", "leader"]);
  return roleA === "leader" ? ([a, b] as const) : ([b, a] as const);
}

describe("leadership", () => {
  it("makes exactly one of two instances leader, and only the leader sweeps", async () => {
    const sweeps = {
      "instance-a": countingSweep("count-a"),
      "instance-b": countingSweep("count-b"),
    };
    const [leader, follower] = await leaderAndFollower({
      a: { sweeps: [sweeps["instance-a"]] },
      b: { sweeps: [sweeps["instance-b"]] },
    });
    const leaderSweep = sweeps[leader.instanceId as keyof typeof sweeps];
    const followerSweep = sweeps[follower.instanceId as keyof typeof sweeps];

    // Its first pass may be over already; wake() makes one we can be sure to see.
    const passed = nextEvent(leader, "pass");
    leader.wake();
    await passed;
    expect(leaderSweep.runs).toBeGreaterThanOrEqual(1);
    expect(followerSweep.runs).toBe(0);
    expect(leader.status()).toMatchObject({ isLeader: true, instanceId: leader.instanceId });
    expect(leader.status().lastPassAt).toBeInstanceOf(Date);
    expect(leader.status().nextPassAt).toBeInstanceOf(Date);
    expect(follower.status()).toMatchObject({
      isLeader: false,
      lastPassAt: null,
      nextPassAt: null,
    });
  });

  it("names the leader in the report read from a third connection", async () => {
    expect(await getSchedulerLeader(pg.db)).toBeNull();
    const before = new Date();
    const [leader] = await leaderAndFollower();

    const report = await getSchedulerLeader(pg.db);
    expect(report?.instanceId).toBe(leader.instanceId);
    expect(report?.since).toBeInstanceOf(Date);
    // backend_start is the server's clock; allow for a little skew against ours.
    expect(report?.since.getTime()).toBeGreaterThan(before.getTime() - 5_000);
  });

  it("hands over to the other instance when the leader stops", async () => {
    const [leader, follower] = await leaderAndFollower();
    const takeover = nextEvent(follower, "leader");
    const lost = nextEvent(leader, "lost");
    await leader.stop();

    expect(await lost).toEqual({ instanceId: leader.instanceId, reason: "stopped" });
    await takeover;
    expect(follower.status().isLeader).toBe(true);
    expect((await getSchedulerLeader(pg.db))?.instanceId).toBe(follower.instanceId);
  });

  it("releases the lock on stop(), and stop() is idempotent", async () => {
    const scheduler = instance("instance-stop");
    const led = nextEvent(scheduler, "leader");
    scheduler.start();
    await led;
    expect((await getSchedulerLeader(pg.db))?.instanceId).toBe("instance-stop");

    await Promise.all([scheduler.stop(), scheduler.stop()]);
    expect(await getSchedulerLeader(pg.db)).toBeNull();
    expect(scheduler.status()).toMatchObject({ isLeader: false, nextPassAt: null });
  });

  it("loses leadership when its connection dies, and competes again", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const leader = instance("instance-solo");
    const led = nextEvent(leader, "leader");
    leader.start();
    await led;

    const lost = nextEvent(leader, "lost");
    const regained = nextEvent(leader, "leader");
    const killed = await pg.sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${SCHEDULER_APPLICATION_PREFIX + leader.instanceId}
        and datname = current_database()`;
    expect(killed).toHaveLength(1);

    expect((await lost).instanceId).toBe(leader.instanceId);
    await regained;
    expect(leader.status().isLeader).toBe(true);
  });
});

describe("the sweep loop", () => {
  it("sleeps only until the earliest nextDueAt when that is sooner than the interval", async () => {
    const soon = countingSweep("soon", () => new Date(Date.now() + 200));
    const idle = countingSweep("idle");
    const scheduler = instance("instance-due", { sweeps: [soon, idle], intervalS: 60 });
    const passes = nextEvents(scheduler, "pass", 2);
    scheduler.start();

    // Within the 10 s guard, far below the 60 s interval: the due time woke the loop.
    const [first, second] = await passes;
    if (!first || !second) throw new Error("two passes were awaited");
    expect(first.nextPassAt.getTime()).toBeLessThan(first.finishedAt.getTime() + 60_000);
    expect(second.trigger).toBe("loop");
    expect(soon.runs).toBe(2);
  });

  it("passes again at once on wake()", async () => {
    const sweep = countingSweep("idle");
    const scheduler = instance("instance-wake", { sweeps: [sweep], intervalS: 60 });
    const first = nextEvent(scheduler, "pass");
    scheduler.start();
    await first;

    const second = nextEvent(scheduler, "pass");
    scheduler.wake();
    expect((await second).trigger).toBe("loop");
    expect(sweep.runs).toBe(2);
  });

  it("runs the other sweeps when one throws, and logs the failure", async () => {
    const logged: Record<string, unknown>[] = [];
    const untap = tapLogLines((line) => logged.push(JSON.parse(line)));
    const before = countingSweep("before");
    const broken: Sweep = {
      name: "broken",
      run: async () => {
        throw new Error("boom");
      },
    };
    const after = countingSweep("after");
    const scheduler = instance("instance-broken", { sweeps: [before, broken, after] });
    const first = nextEvent(scheduler, "pass");
    scheduler.start();

    const report = await first;
    expect(report.results.map((r) => [r.name, r.ok])).toEqual([
      ["before", true],
      ["broken", false],
      ["after", true],
    ]);
    expect(report.results[1]).toMatchObject({ ok: false, error: "boom" });
    untap();
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "error",
        sweep: "broken",
        msg: "sweep broken failed",
        err: expect.objectContaining({ message: "boom" }),
      }),
    );
    expect(after.runs).toBe(1);

    // The loop itself goes on.
    const second = nextEvent(scheduler, "pass");
    scheduler.wake();
    await second;
    expect(after.runs).toBe(2);
  });

  it("runOnce() sweeps on a follower too, and reports it as manual", async () => {
    const sweeps = {
      "instance-a": countingSweep("count-a"),
      "instance-b": countingSweep("count-b"),
    };
    const [, follower] = await leaderAndFollower({
      a: { sweeps: [sweeps["instance-a"]] },
      b: { sweeps: [sweeps["instance-b"]] },
    });
    const followerSweep = sweeps[follower.instanceId as keyof typeof sweeps];
    expect(followerSweep.runs).toBe(0);

    const reported = nextEvent(follower, "pass");
    const report = await follower.runOnce();
    expect(report).toMatchObject({ trigger: "manual", instanceId: follower.instanceId });
    expect(await reported).toBe(report);
    expect(followerSweep.runs).toBe(1);
    expect(follower.status()).toMatchObject({ isLeader: false, lastPassAt: report.finishedAt });
  });
});
