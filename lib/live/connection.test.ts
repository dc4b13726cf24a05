import { describe, expect, it } from "vitest";
import { createConnectionStore } from "./connection";

describe("connection store", () => {
  it("goes connecting → live → reconnecting → live, remembering when data went stale", () => {
    let clock = 1_000;
    const store = createConnectionStore(() => clock);
    expect(store.get()).toMatchObject({ status: "connecting", staleSince: null });

    clock = 2_000;
    expect(store.opened()).toBe(false); // a first connection is not a reconnection
    expect(store.get()).toMatchObject({ status: "live", since: 2_000 });

    clock = 5_000;
    store.dropped();
    expect(store.get()).toMatchObject({ status: "reconnecting", since: 5_000, staleSince: 5_000 });

    clock = 9_000;
    store.dropped(); // a failed retry does not move the stale point
    expect(store.get().staleSince).toBe(5_000);

    expect(store.opened()).toBe(true);
    expect(store.get()).toMatchObject({ status: "live", since: 9_000, staleSince: null });
  });

  it("notifies listeners on status changes but not on every event", () => {
    const store = createConnectionStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => {
      calls += 1;
    });
    store.opened();
    store.advanced("42");
    store.advanced("43");
    expect(calls).toBe(1);
    expect(store.get().lastEventId).toBe("43");
    unsubscribe();
    store.dropped();
    expect(calls).toBe(1);
  });
});
