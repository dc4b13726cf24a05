import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { wakeSchedulerOnEvents } from "./trigger";

function fakes(isLeader = true) {
  const listeners: { event: ((id: number) => void)[]; resync: (() => void)[] } = {
    event: [],
    resync: [],
  };
  const hub = {
    onEvent(listener: (id: number) => void) {
      listeners.event.push(listener);
      return () => {
        listeners.event = listeners.event.filter((l) => l !== listener);
      };
    },
    onResync(listener: () => void) {
      listeners.resync.push(listener);
      return () => {
        listeners.resync = listeners.resync.filter((l) => l !== listener);
      };
    },
  };
  const scheduler = {
    wakes: 0,
    leader: isLeader,
    wake() {
      scheduler.wakes += 1;
    },
    status: () => ({
      instanceId: "test",
      isLeader: scheduler.leader,
      lastPassAt: null,
      nextPassAt: null,
    }),
  };
  const emit = (id: number) => {
    for (const listener of listeners.event) listener(id);
  };
  return { hub, scheduler, emit, listeners };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("wakeSchedulerOnEvents", () => {
  it("wakes at once, then once more at the end of a burst", () => {
    const { hub, scheduler, emit } = fakes();
    const stop = wakeSchedulerOnEvents(hub, scheduler, 1000);
    emit(1);
    expect(scheduler.wakes).toBe(1);
    for (let id = 2; id < 50; id++) emit(id);
    expect(scheduler.wakes).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(scheduler.wakes).toBe(2);
    vi.advanceTimersByTime(5000);
    expect(scheduler.wakes).toBe(2);
    emit(51);
    expect(scheduler.wakes).toBe(3);
    stop();
  });

  it("wakes on a resync too, and not at all on a follower", () => {
    const { hub, scheduler, listeners } = fakes(false);
    const stop = wakeSchedulerOnEvents(hub, scheduler, 1000);
    for (const listener of listeners.resync) listener();
    expect(scheduler.wakes).toBe(0);
    scheduler.leader = true;
    vi.advanceTimersByTime(1000);
    for (const listener of listeners.resync) listener();
    expect(scheduler.wakes).toBe(1);
    stop();
  });

  it("unsubscribes and cancels a pending wake when stopped", () => {
    const { hub, scheduler, emit, listeners } = fakes();
    const stop = wakeSchedulerOnEvents(hub, scheduler, 1000);
    emit(1);
    emit(2);
    stop();
    vi.advanceTimersByTime(2000);
    expect(scheduler.wakes).toBe(1);
    expect(listeners.event).toHaveLength(0);
    expect(listeners.resync).toHaveLength(0);
  });
});
