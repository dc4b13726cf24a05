import { once } from "node:events";
import net from "node:net";
import postgres from "postgres";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { createEventHub, type EventHub, LISTENER_APPLICATION_NAME } from "./hub";
import { CHANNELS } from "./record";

const pg = setupTestDatabase();
const hubs: EventHub[] = [];

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

async function openHub(): Promise<EventHub> {
  const hub = createEventHub(pg.url);
  hubs.push(hub);
  await hub.ready();
  return hub;
}

/** NOTIFY from a connection of its own, as another instance's transaction would. */
async function notifyFromElsewhere(channel: string, payload = "") {
  const other = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    await other`select pg_notify(${channel}, ${payload})`;
  } finally {
    await other.end();
  }
}

/** The next value `subscribe` delivers, as a promise. */
function next<T>(subscribe: (listener: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe((value) => {
      unsubscribe();
      resolve(value);
    });
  });
}

describe("waitForQueue", () => {
  it("wakes on a tm_queue notification sent from another connection", async () => {
    const hub = await openHub();
    const waiting = hub.waitForQueue(30_000);
    await notifyFromElsewhere(CHANNELS.queue);
    await expect(waiting).resolves.toBe("notified");
    expect(hub.stats().queueWaiters).toBe(0);
  });

  it("resolves timeout when nothing is notified", async () => {
    const hub = await openHub();
    await expect(hub.waitForQueue(20)).resolves.toBe("timeout");
    expect(hub.stats().queueWaiters).toBe(0);
  });

  it("resolves aborted on abort, and at once for an already aborted signal", async () => {
    const hub = await openHub();
    const controller = new AbortController();
    const waiting = hub.waitForQueue(30_000, controller.signal);
    expect(hub.stats().queueWaiters).toBe(1);
    controller.abort();
    await expect(waiting).resolves.toBe("aborted");
    expect(hub.stats().queueWaiters).toBe(0);
    await expect(hub.waitForQueue(30_000, controller.signal)).resolves.toBe("aborted");
    expect(hub.stats().queueWaiters).toBe(0);
  });

  it("wakes 500 concurrent waiters with one notification and keeps none registered", async () => {
    const hub = await openHub();
    const waiters = Array.from({ length: 500 }, () => hub.waitForQueue(30_000));
    expect(hub.stats().queueWaiters).toBe(500);
    await notifyFromElsewhere(CHANNELS.queue);
    const results = await Promise.all(waiters);
    expect(new Set(results)).toEqual(new Set(["notified"]));
    expect(hub.stats().queueWaiters).toBe(0);
  });

  it("ends pending waiters with aborted when the hub closes", async () => {
    const hub = await openHub();
    const waiting = hub.waitForQueue(30_000);
    await hub.close();
    await expect(waiting).resolves.toBe("aborted");
    await expect(hub.waitForQueue(30_000)).resolves.toBe("aborted");
  });
});

describe("onTokenRevoked", () => {
  it("hands the tm_revoked payload, a token id, to listeners", async () => {
    const hub = await openHub();
    const received = next<string>(hub.onTokenRevoked);
    await notifyFromElsewhere(CHANNELS.revoked, "0b7a6f0e-2c1d-4e5f-8a9b-0c1d2e3f4a5b");
    await expect(received).resolves.toBe("0b7a6f0e-2c1d-4e5f-8a9b-0c1d2e3f4a5b");
    expect(hub.stats().revokedListeners).toBe(0);
  });
});

describe("onEvent and onResync", () => {
  it("hands the tm_events payload to listeners as a number", async () => {
    const hub = await openHub();
    const received = next<number>(hub.onEvent);
    await notifyFromElsewhere(CHANNELS.events, "42");
    await expect(received).resolves.toBe(42);
    expect(hub.stats().eventListeners).toBe(0);
  });

  it("turns an unreadable payload into a resync instead of a wrong id", async () => {
    const hub = await openHub();
    const resynced = next<void>(hub.onResync);
    await notifyFromElsewhere(CHANNELS.events, "not-an-id");
    await expect(resynced).resolves.toBeUndefined();
  });

  it("after the listening connection is killed, re-listens, resyncs and wakes waiters", async () => {
    const hub = await openHub();
    const resynced = next<void>(hub.onResync);
    const waiting = hub.waitForQueue(30_000);
    const killed = await pg.sql<{ pid: number }[]>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`;
    expect(killed).toHaveLength(1);

    await resynced;
    await expect(waiting).resolves.toBe("notified");
    expect(hub.stats().relistens).toBeGreaterThan(0);
    // And it listens again: a new notification still arrives.
    const received = next<number>(hub.onEvent);
    await notifyFromElsewhere(CHANNELS.events, "7");
    await expect(received).resolves.toBe(7);
  });
});

describe("close", () => {
  it("leaves no socket or timer behind", async () => {
    const handles = () => {
      const resources = process.getActiveResourcesInfo();
      return {
        sockets: resources.filter((r) => r === "TCPSocketWrap").length,
        timers: resources.filter((r) => r === "Timeout").length,
      };
    };
    // Warm the test database's pool first: only the hub's own sockets may come and go (earlier
    // tests' sockets may still be closing, hence "at most" below).
    await pg.sql`select 1`;
    const before = handles();
    // Every socket opened from here on: postgres.js connects with net.Socket#connect.
    const connect = vi.spyOn(net.Socket.prototype, "connect");
    try {
      const hub = createEventHub(pg.url);
      await hub.ready();
      void hub.waitForQueue(30_000);
      const received = next<number>(hub.onEvent);
      await notifyFromElsewhere(CHANNELS.events, "1");
      await received;
      const sockets = connect.mock.contexts as net.Socket[];
      expect(sockets.length).toBeGreaterThan(0);

      await hub.close();
      expect(hub.stats()).toMatchObject({ queueWaiters: 0, eventListeners: 0, resyncListeners: 0 });
      // close() resolves once Terminate is written; each socket closes when the server hangs
      // up, one round trip later. Awaited through its own event, not a sleep.
      await Promise.all(sockets.map((socket) => (socket.closed ? null : once(socket, "close"))));
      const after = handles();
      expect(after.sockets).toBeLessThanOrEqual(before.sockets);
      expect(after.timers).toBeLessThanOrEqual(before.timers);
    } finally {
      connect.mockRestore();
    }
  });
});
