import { afterAll, describe, expect, it } from "vitest";
import { createEventHub } from "@/server/events/hub";
import { claimWithWait } from "@/server/tasks/claim-wait";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, stateOf, submit } from "@/test/engine";

const pg = setupTestDatabase();
let hub: ReturnType<typeof createEventHub> | undefined;
const getHub = () => {
  hub ??= createEventHub(pg.url);
  return hub;
};
afterAll(async () => {
  await hub?.close();
});

describe("claimWithWait", () => {
  it("takes nothing for a caller that has already gone", async () => {
    // A stopping worker aborts its long-poll. Claiming anyway would lease the task to an agent
    // that will never run it, and the task would sit until its lease expired.
    const capability = `gone-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const task = await submit(pg.db, { name: "left queued", capabilities: [capability] });
    const gone = AbortSignal.abort();

    for (const waitMs of [0, 5_000]) {
      const claimed = await claimWithWait(pg.db, getHub, {
        agentId: agent.agentId,
        max: 1,
        waitMs,
        signal: gone,
      });
      expect(claimed).toEqual([]);
    }
    expect(await stateOf(pg.db, task.id)).toBe("queued");
  });

  it("after an empty claim, waits, and a queued task wakes it", async () => {
    const capability = `wake-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    // Resolves once the loop awaits its wait: the first claim has come back empty, so only a
    // wake-up can deliver the task submitted after this.
    let waiting!: () => void;
    const awaited = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const watchedHub = () => {
      const hub = getHub();
      return {
        ...hub,
        waitForQueue(timeoutMs: number, signal?: AbortSignal) {
          const inner = hub.waitForQueue(timeoutMs, signal);
          return {
            // biome-ignore lint/suspicious/noThenProperty: a thenable that sees the loop's await
            then(...args: Parameters<typeof inner.then>) {
              waiting();
              return inner.then(...args);
            },
          } as typeof inner;
        },
      };
    };
    const claim = claimWithWait(pg.db, watchedHub, {
      agentId: agent.agentId,
      max: 1,
      waitMs: 30_000,
    });
    await getHub().ready();
    await awaited;
    const task = await submit(pg.db, { name: "wakes the claim", capabilities: [capability] });
    expect((await claim).map((claimed) => claimed.id)).toEqual([task.id]);
  });
});
