import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { keepPatchesOverOlderFetches } from "./older-fetches";

/**
 * A list "on the server" and a query reading it: each fetch takes a snapshot when it starts,
 * and answers only when the test lets it, as a slow HTTP round trip would.
 */
function setUp() {
  const server = ["a"];
  const pending: Array<() => void> = [];
  let fetches = 0;
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const stop = keepPatchesOverOlderFetches(queryClient);
  const queryKey = ["tasks"];
  const observer = new QueryObserver<string[]>(queryClient, {
    queryKey,
    queryFn: () => {
      fetches += 1;
      const snapshot = [...server];
      return new Promise<string[]>((resolve) => pending.push(() => resolve(snapshot)));
    },
  });
  const unsubscribe = observer.subscribe(() => {});
  closers.push(() => {
    unsubscribe();
    stop();
    queryClient.clear();
  });
  return {
    server,
    queryClient,
    fetches: () => fetches,
    data: () => queryClient.getQueryData<string[]>(queryKey),
    fetching: () => queryClient.getQueryState(queryKey)?.fetchStatus === "fetching",
    /** What a live event does: the server changes, and the cache is patched to match. */
    event(item: string) {
      server.push(item);
      queryClient.setQueryData<string[]>(queryKey, (list) => (list ? [...list, item] : list));
    },
    /** How many fetches await their answer. */
    waiting: () => pending.length,
    /** Lets the `count` oldest answers (all by default) arrive, and waits for the cache. */
    async answer(count = pending.length) {
      for (const resolve of pending.splice(0, count)) resolve();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    refetch: () => queryClient.refetchQueries({ queryKey }),
  };
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe("keepPatchesOverOlderFetches", () => {
  it("an answer read before a live patch does not undo it: the query is read again", async () => {
    const q = setUp();
    await q.answer();
    expect(q.data()).toEqual(["a"]);

    void q.refetch(); // reads ["a"] …
    q.event("b"); // … then "b" is committed, and the event patches the cache
    expect(q.data()).toEqual(["a", "b"]);
    await q.answer(); // the first answer (without "b") lands
    expect(q.data()).toEqual(["a", "b"]);
    await q.answer();
    expect(q.data()).toEqual(["a", "b"]);
    expect(q.fetching()).toBe(false);
    expect(q.fetches()).toBe(3); // the first load, the refetch, and its replacement
  });

  it("a patch with no fetch running starts none", async () => {
    const q = setUp();
    await q.answer();
    q.event("b");
    expect(q.fetching()).toBe(false);
    expect(q.fetches()).toBe(1);
  });

  it("events faster than a round trip still let every other answer land, the last current", async () => {
    const q = setUp();
    await q.answer();
    let landed = 0;
    q.queryClient.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "success" && !event.action.manual)
        landed += 1;
    });
    for (let round = 0; round < 10; round += 1) {
      if (!q.fetching()) void q.refetch();
      // Each fetch sees one event before its answer can arrive.
      const sentBefore = q.waiting();
      q.event(`e${round}`);
      await q.answer(sentBefore);
    }
    expect(landed).toBeGreaterThanOrEqual(4);
    while (q.fetching()) await q.answer();
    expect(q.data()).toEqual(q.server);
  });
});
