import { eq, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import type { AlertRule } from "@/db/schema/alerts";
import { allocations, resources } from "@/db/schema/resources";
import { tasks } from "@/db/schema/tasks";
import { retryTask } from "@/server/tasks/operate";
import { endExpiredWaits } from "@/server/tasks/sweep";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { evaluateAlerts } from "./evaluate";
import {
  alertsOf,
  endClearHold,
  eventKinds,
  insertTask,
  recordOutcomes,
  resetMonitorTables,
  testSettings,
} from "./test-helpers";

const pg = setupTestDatabase();
const settings = testSettings();
const evaluate = () => evaluateAlerts(pg.db, settings);

beforeEach(() => resetMonitorTables(pg.db));

/**
 * The life every rule must have: one alert when the threshold is crossed, none more however
 * often it is evaluated, and resolved once the condition has cleared for the hold period.
 */
async function expectLifecycle(
  rule: AlertRule,
  subject: string,
  setup: { cross: () => Promise<unknown>; clear: () => Promise<unknown> },
) {
  await evaluate();
  expect(await alertsOf(pg.db, rule)).toEqual([]);

  await setup.cross();
  await evaluate();
  await evaluate();
  const [opened, ...others] = await alertsOf(pg.db, rule);
  expect(others).toEqual([]);
  expect(opened).toMatchObject({ subject, state: "firing", resolvedAt: null });

  await setup.clear();
  await evaluate();
  // Clear, but not for long enough yet: still firing, its hold started.
  expect((await alertsOf(pg.db, rule))[0]).toMatchObject({ state: "firing" });
  expect((await alertsOf(pg.db, rule))[0]?.clearSince).not.toBeNull();

  await endClearHold(pg.db, rule);
  await evaluate();
  expect(await alertsOf(pg.db, rule)).toMatchObject([
    { id: opened?.id, state: "resolved", resolvedBy: null },
  ]);
  expect(await eventKinds(pg.db)).toEqual(["alert.opened", "alert.resolved"]);
}

describe("task_duration", () => {
  it("opens when a task runs past the threshold and resolves when it stops", async () => {
    const id = await insertTask(pg.db, "running", 30);
    await expectLifecycle("task_duration", `task:${id}`, {
      cross: () => pg.db.execute(sql`update tasks set started_at = now() - interval '90 s'`),
      clear: () => pg.db.update(tasks).set({ state: "succeeded" }).where(eq(tasks.id, id)),
    });
  });

  it("plans the next evaluation for when a running task will cross, then double, it", async () => {
    await insertTask(pg.db, "running", 50);
    const before = Date.now();
    const { nextDueAt } = await evaluate();
    // started 50 s ago, threshold 60 s: due in about 10 s.
    expect(nextDueAt?.getTime()).toBeGreaterThan(before + 8_000);
    expect(nextDueAt?.getTime()).toBeLessThan(before + 12_000);

    await pg.db.execute(sql`update tasks set started_at = now() - interval '100 s'`);
    const escalation = (await evaluate()).nextDueAt?.getTime() ?? 0;
    expect(escalation - Date.now()).toBeGreaterThan(18_000);
    expect((await alertsOf(pg.db, "task_duration"))[0]?.severity).toBe("warning");
    await pg.db.execute(sql`update tasks set started_at = now() - interval '121 s'`);
    await evaluate();
    expect((await alertsOf(pg.db, "task_duration"))[0]?.severity).toBe("critical");
  });
});

describe("dependency_wait", () => {
  it("opens when a task stays blocked past the threshold and resolves once released", async () => {
    const id = await insertTask(pg.db, "blocked", 10);
    await expectLifecycle("dependency_wait", `task:${id}`, {
      cross: () => pg.db.execute(sql`update tasks set created_at = now() - interval '200 s'`),
      clear: () => pg.db.update(tasks).set({ state: "queued" }).where(eq(tasks.id, id)),
    });
  });
});

describe("resource_usage", () => {
  it("opens for a pool at the threshold and resolves once below the band", async () => {
    await pg.db.insert(resources).values({ name: "gpu", scope: "pool", capacity: 10, inUse: 7 });
    const setInUse = (inUse: number) =>
      pg.db.update(resources).set({ inUse }).where(eq(resources.name, "gpu"));
    await expectLifecycle("resource_usage", "pool:gpu", {
      cross: () => setInUse(8),
      clear: () => setInUse(7),
    });
  });

  it("opens per agent and resource from open allocations, for agents not offline", async () => {
    await pg.db.insert(resources).values({ name: "cpu", scope: "agent" });
    const agent = await makeAgent(pg.db, { capacity: { cpu: 4 } });
    const allocate = (amount: number) =>
      pg.db.insert(allocations).values({
        taskId: crypto.randomUUID(),
        leaseEpoch: 1,
        agentId: agent.agentId,
        resource: "cpu",
        amount,
      });
    await expectLifecycle("resource_usage", `agent:${agent.agentId}:cpu`, {
      cross: () => allocate(4),
      clear: () => pg.db.update(allocations).set({ releasedAt: new Date() }),
    });
    const [alert] = await alertsOf(pg.db, "resource_usage");
    expect(alert).toMatchObject({ value: 1, severity: "critical" });
  });
});

describe("failure_rate", () => {
  it("opens when failed / finished passes the ratio and resolves as successes dilute it", async () => {
    await expectLifecycle("failure_rate", "global", {
      cross: () => recordOutcomes(pg.db, 8, 2),
      clear: () => recordOutcomes(pg.db, 30, 0),
    });
  });

  it("says nothing below the minimum sample", async () => {
    await recordOutcomes(pg.db, 0, 9);
    await evaluate();
    expect(await alertsOf(pg.db, "failure_rate")).toEqual([]);
  });
});

describe("agent_offline", () => {
  it("opens when an agent goes offline and resolves when it comes back", async () => {
    const agent = await makeAgent(pg.db);
    const setStatus = (status: "online" | "offline") =>
      pg.db.update(agents).set({ status }).where(eq(agents.id, agent.agentId));
    await expectLifecycle("agent_offline", `agent:${agent.agentId}`, {
      cross: () => setStatus("offline"),
      clear: () => setStatus("online"),
    });
  });
});

describe("wait_timeout", () => {
  it("opens when a wait times out and resolves once the task is retried", async () => {
    const task = await submit(pg.db, {
      name: "approval gate",
      waitFor: { signal: "approval", timeoutS: 60 },
    });
    await expectLifecycle("wait_timeout", `task:${task.id}`, {
      cross: async () => {
        await pg.db.execute(
          sql`update tasks set wait_deadline = now() - interval '1 s' where id = ${task.id}`,
        );
        expect(await endExpiredWaits(pg.db)).toBe(1);
      },
      clear: () => retryTask(pg.db, task.id),
    });
    expect((await alertsOf(pg.db, "wait_timeout"))[0]?.message).toContain('signal "approval"');
  });

  it("dependency_wait leaves a task waiting for a signal alone, however long it waits", async () => {
    const task = await submit(pg.db, { name: "long gate", waitFor: { signal: "approval" } });
    await pg.db.execute(
      sql`update tasks set created_at = now() - interval '1 day', waiting_since = now() - interval '1 day' where id = ${task.id}`,
    );
    await evaluate();
    expect(await alertsOf(pg.db, "dependency_wait")).toEqual([]);
    expect(await alertsOf(pg.db, "wait_timeout")).toEqual([]);
  });
});
