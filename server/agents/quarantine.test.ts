import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { getAgent } from "@/server/agents/get";
import { recordAttemptFailures } from "@/server/agents/quarantine";
import { releaseAgent } from "@/server/agents/release";
import { createEventHub } from "@/server/events/hub";
import { claimTasks } from "@/server/tasks/claim";
import { claimWithWait } from "@/server/tasks/claim-wait";
import { explainTask } from "@/server/tasks/explain";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { endOverdueAttempts } from "@/server/tasks/sweep";
import { setupTestDatabase } from "@/test/db";
import { backdate, claimOnly, makeAgent, stateOf, submit } from "@/test/engine";

const pg = setupTestDatabase();
let hub: ReturnType<typeof createEventHub> | undefined;
const getHub = () => {
  hub ??= createEventHub(pg.url);
  return hub;
};
afterAll(async () => {
  await hub?.close();
});

type Agent = Awaited<ReturnType<typeof makeAgent>>;

/** One attempt of a task of `type` by `agent`, ended as told (no retry: one attempt each). */
async function attempt(agent: Agent, type: string, outcome: "fail" | "succeed") {
  const task = await submit(pg.db, { name: `${type} by ${agent.agentId}`, type, maxAttempts: 1 });
  const claimed = await claimOnly(pg.db, agent.agentId, task.id);
  const item = { taskId: task.id, leaseEpoch: claimed.leaseEpoch };
  if (outcome === "succeed") await completeTasks(pg.db, agent, [item]);
  else await failTasks(pg.db, agent, [{ ...item, error: "boom", retryable: false }]);
}

async function failTimes(agent: Agent, type: string, n: number) {
  for (let i = 0; i < n; i++) await attempt(agent, type, "fail");
}

async function health(agentId: string) {
  const [row] = await pg.db.execute<{
    failure_streak: number;
    quarantine_count: number;
    quarantined: boolean;
    cool_down_s: number | null;
  }>(sql`
    select coalesce(h.failure_streak, 0) as failure_streak,
      coalesce(h.quarantine_count, 0) as quarantine_count,
      coalesce(h.quarantined_until > now(), false) as quarantined,
      extract(epoch from h.quarantined_until - h.quarantined_at)::float8 as cool_down_s
    from agents a left join agent_health h on h.agent_id = a.id where a.id = ${agentId}`);
  return row;
}

async function agentEvents(agentId: string) {
  const rows = await pg.db.execute<{ kind: string; data: Record<string, unknown> }>(sql`
    select kind, data from task_events
    where agent_id = ${agentId} and kind in ('agent.quarantined', 'agent.released') order by id`);
  return [...rows];
}

/** The cool-down ends: its end is moved into the past, instead of waiting for it. */
async function endCoolDown(agentId: string) {
  await pg.db.execute(
    sql`update agent_health set quarantined_until = now() - interval '1 s' where agent_id = ${agentId}`,
  );
}

/** `n` failures of `flaky`, with a success of `healthy` after the first: evidence in the window. */
async function failedWhileOthersSucceed(flaky: Agent, healthy: Agent, type: string, n: number) {
  await attempt(flaky, type, "fail");
  await attempt(healthy, type, "succeed");
  await failTimes(flaky, type, n - 1);
}

const uniqueType = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

describe("agent quarantine", () => {
  it("quarantines after N failures in a row while another agent succeeds at the same type", async () => {
    const type = uniqueType("parse");
    const flaky = await makeAgent(pg.db, { name: "flaky" });
    const healthy = await makeAgent(pg.db, { name: "healthy" });

    await failTimes(flaky, type, 4);
    await attempt(healthy, type, "succeed");
    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 4, quarantined: false });

    await attempt(flaky, type, "fail");
    expect(await health(flaky.agentId)).toMatchObject({
      failure_streak: 5,
      quarantine_count: 1,
      quarantined: true,
      cool_down_s: 60,
    });
    const agent = await getAgent(pg.db, flaky.agentId);
    expect(agent.quarantine).toMatchObject({ failures: 5, quarantines: 1 });
    expect(agent.quarantine?.reason).toContain(`its last 5 attempts failed (task types: ${type})`);
    expect(agent.quarantine?.reason).toContain(`while other agents succeeded at ${type}`);
    expect(agent.quarantine?.until.getTime()).toBeGreaterThan(Date.now());
    expect(await agentEvents(flaky.agentId)).toMatchObject([
      { kind: "agent.quarantined", data: { name: "flaky", failures: 5, quarantines: 1 } },
    ]);
    expect((await getAgent(pg.db, healthy.agentId)).quarantine).toBeNull();
  });

  it("reads a batch of failures in order: quarantined at the Nth, the rest of the batch counted", async () => {
    const type = uniqueType("batched");
    const flaky = await makeAgent(pg.db, { name: "batched" });
    const healthy = await makeAgent(pg.db);
    await failedWhileOthersSucceed(flaky, healthy, type, 4);
    const items = [];
    for (const i of [1, 2]) {
      const task = await submit(pg.db, { name: `${type} ${i}`, type, maxAttempts: 1 });
      const claimed = await claimOnly(pg.db, flaky.agentId, task.id);
      items.push({
        taskId: task.id,
        leaseEpoch: claimed.leaseEpoch,
        error: "boom",
        retryable: false,
      });
    }

    await failTasks(pg.db, flaky, items);

    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 6, quarantined: true });
    expect(await agentEvents(flaky.agentId)).toMatchObject([
      { kind: "agent.quarantined", data: { failures: 5, streak: 6, quarantines: 1 } },
    ]);
  });

  it("does not quarantine when every agent fails the type: the task type is broken", async () => {
    const broken = uniqueType("broken");
    const a = await makeAgent(pg.db);
    const b = await makeAgent(pg.db);
    // Success at another type proves nothing about this one.
    await attempt(b, uniqueType("other"), "succeed");
    await failTimes(a, broken, 6);
    await failTimes(b, broken, 6);
    expect(await health(a.agentId)).toMatchObject({ failure_streak: 6, quarantined: false });
    expect(await health(b.agentId)).toMatchObject({ failure_streak: 6, quarantined: false });
  });

  it("counts only successes by others since the streak began", async () => {
    const type = uniqueType("window");
    const flaky = await makeAgent(pg.db);
    const healthy = await makeAgent(pg.db);
    // A success before the streak began says nothing about what failed since.
    await attempt(healthy, type, "succeed");
    await failTimes(flaky, type, 5);
    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 5, quarantined: false });
    // Evidence within the streak: the next failure quarantines.
    await attempt(healthy, type, "succeed");
    await attempt(flaky, type, "fail");
    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 6, quarantined: true });
  });

  it("doubles the cool-down at each quarantine before a success, capped at 1 h", async () => {
    const type = uniqueType("double");
    const flaky = await makeAgent(pg.db);
    const healthy = await makeAgent(pg.db);
    await failedWhileOthersSucceed(flaky, healthy, type, 5);
    expect((await health(flaky.agentId))?.cool_down_s).toBe(60);

    // Out of its cool-down, still failing: each next failure quarantines it for twice as long.
    for (const expected of [120, 240, 480]) {
      await endCoolDown(flaky.agentId);
      await attempt(flaky, type, "fail");
      expect(await health(flaky.agentId)).toMatchObject({
        quarantined: true,
        cool_down_s: expected,
      });
    }
    await pg.db.execute(
      sql`update agent_health set quarantine_count = 12 where agent_id = ${flaky.agentId}`,
    );
    await endCoolDown(flaky.agentId);
    await attempt(flaky, type, "fail");
    expect(await health(flaky.agentId)).toMatchObject({ quarantined: true, cool_down_s: 3600 });

    // A success starts over: streak and doubling.
    await endCoolDown(flaky.agentId);
    await attempt(flaky, type, "succeed");
    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 0, quarantine_count: 0 });
    await attempt(flaky, type, "fail");
    await attempt(healthy, type, "succeed");
    await failTimes(flaky, type, 3);
    expect((await health(flaky.agentId))?.quarantined).toBe(false);
    await attempt(flaky, type, "fail");
    expect(await health(flaky.agentId)).toMatchObject({ quarantined: true, cool_down_s: 60 });
  });

  it("counts an expired lease as a failed attempt of the agent that held it", async () => {
    const type = uniqueType("lease");
    const silent = await makeAgent(pg.db);
    const healthy = await makeAgent(pg.db);
    await attempt(silent, type, "fail");
    await attempt(healthy, type, "succeed");
    for (let i = 0; i < 4; i++) {
      const task = await submit(pg.db, { name: "expires", type, maxAttempts: 2 });
      await claimOnly(pg.db, silent.agentId, task.id);
      await backdate(pg.db, task.id, "lease_expires_at", 1);
      await endOverdueAttempts(pg.db);
      expect(await stateOf(pg.db, task.id)).toBe("queued");
    }
    expect(await health(silent.agentId)).toMatchObject({ failure_streak: 5, quarantined: true });
  });

  it("quarantines once when failures of the same agent commit concurrently", async () => {
    const type = uniqueType("burst");
    const flaky = await makeAgent(pg.db, { capabilities: [type] });
    const healthy = await makeAgent(pg.db);
    await attempt(flaky, type, "fail");
    await attempt(healthy, type, "succeed");
    const tasks = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        submit(pg.db, { name: `burst ${i}`, type, capabilities: [type], maxAttempts: 1 }),
      ),
    );
    const claimed = await claimTasks(pg.db, flaky.agentId, 8);
    expect(claimed).toHaveLength(8);
    await Promise.all(
      claimed.map((task) =>
        failTasks(pg.db, flaky, [
          { taskId: task.id, leaseEpoch: task.leaseEpoch, error: "x", retryable: false },
        ]),
      ),
    );
    expect(tasks).toHaveLength(8);
    expect(await health(flaky.agentId)).toMatchObject({
      failure_streak: 9,
      quarantine_count: 1,
      quarantined: true,
    });
    expect(await agentEvents(flaky.agentId)).toHaveLength(1);
  });
});

describe("lock order", () => {
  it("a failure and a writer holding the agent row at once do not deadlock", async () => {
    // Claims and heartbeats lock the agent row, and may then wait for one of its task rows; a
    // failure locks its task first, then writes the streak. Were the streak on the agent row,
    // this would be a cycle. (The heartbeat itself no longer waits for task rows.)
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "held", type: "lock-order" });
    await claimOnly(pg.db, agent.agentId, task.id);
    let writer: Promise<unknown> = Promise.resolve();
    await pg.db.transaction(async (tx) => {
      await tx.execute(sql`update tasks set updated_at = now() where id = ${task.id}`);
      writer = pg.db.transaction(async (other) => {
        await other.execute(sql`select id from agents where id = ${agent.agentId} for update`);
        await other.execute(sql`update tasks set updated_at = now() where id = ${task.id}`);
      });
      // The writer holds the agent row and waits for the task row this transaction holds.
      await expect
        .poll(async () => {
          const [row] = await pg.db.execute<{ n: number }>(sql`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`);
          return row?.n;
        })
        .toBe(1);
      await recordAttemptFailures(tx, [{ agentId: agent.agentId, type: "lock-order" }]);
    });
    await writer;
    expect(await health(agent.agentId)).toMatchObject({ failure_streak: 1 });
  });
});

describe("a quarantined agent's claims", () => {
  /** An agent quarantined for `type`, and `count` queued tasks only it and `healthy` may run. */
  async function quarantined(count: number) {
    const type = uniqueType("claim");
    const flaky = await makeAgent(pg.db, { capabilities: [type] });
    const healthy = await makeAgent(pg.db, { capabilities: [type] });
    await failedWhileOthersSucceed(flaky, healthy, type, 5);
    expect((await health(flaky.agentId))?.quarantined).toBe(true);
    const tasks = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        submit(pg.db, { name: `waiting ${i}`, type, capabilities: [type] }),
      ),
    );
    return { type, flaky, healthy, tasks };
  }

  it("take nothing, even eight at once, while another agent takes the work", async () => {
    const { flaky, healthy, tasks } = await quarantined(10);
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => claimTasks(pg.db, flaky.agentId, 5)),
    );
    expect(claims.flat()).toEqual([]);
    for (const task of tasks) expect(await stateOf(pg.db, task.id)).toBe("queued");
    expect(await claimTasks(pg.db, healthy.agentId, 10)).toHaveLength(10);
  });

  it("take work again once an operator releases the agent", async () => {
    const { flaky, tasks } = await quarantined(1);
    const operator = randomUUID();
    expect(await releaseAgent(pg.db, { agentId: flaky.agentId }, operator)).toMatchObject({
      released: true,
    });
    expect(await releaseAgent(pg.db, { agentId: flaky.agentId }, operator)).toMatchObject({
      released: false,
    });
    expect((await getAgent(pg.db, flaky.agentId)).quarantine).toBeNull();
    expect(await health(flaky.agentId)).toMatchObject({ failure_streak: 0, quarantine_count: 1 });
    const [claimed] = await claimTasks(pg.db, flaky.agentId, 1);
    expect(claimed?.id).toBe(tasks[0]?.id);
    expect((await agentEvents(flaky.agentId)).map((e) => e.kind)).toEqual([
      "agent.quarantined",
      "agent.released",
    ]);
  });

  it("long-poll until the release wakes them, and then take the task", async () => {
    const { flaky, tasks } = await quarantined(1);
    await getHub().ready();
    const claim = claimWithWait(pg.db, getHub, {
      agentId: flaky.agentId,
      max: 1,
      waitMs: 30_000,
    });
    // The claim is waiting once the hub counts a waiter.
    await expect.poll(() => getHub().stats().queueWaiters).toBe(1);
    await releaseAgent(pg.db, { agentId: flaky.agentId }, null);
    const [claimed] = await claim;
    expect(claimed?.id).toBe(tasks[0]?.id);
  });

  it("long-poll until the cool-down ends, without any notification", async () => {
    const { flaky, tasks } = await quarantined(1);
    // A cool-down that ends during the wait; nothing will NOTIFY when it does.
    await pg.db.execute(
      sql`update agent_health set quarantined_until = now() + interval '300 ms' where agent_id = ${flaky.agentId}`,
    );
    const [claimed] = await claimWithWait(pg.db, getHub, {
      agentId: flaky.agentId,
      max: 1,
      waitMs: 30_000,
    });
    expect(claimed?.id).toBe(tasks[0]?.id);
  });

  it("are explained: the task waits for the one agent that could run it", async () => {
    const { flaky, healthy, tasks } = await quarantined(1);
    await pg.db.execute(sql`update agents set status = 'draining' where id = ${healthy.agentId}`);
    const task = tasks[0];
    if (!task) throw new Error("no task");
    const explanation = await explainTask(pg.db, task.id);
    const reason = explanation.reasons.find((r) => r.kind === "agent_quarantined");
    expect(reason).toMatchObject({ agent: { id: flaky.agentId } });
    expect(reason?.message).toMatch(/^agent "agent-\w+" quarantined until \d{4}-/);
    // With a capable agent free to claim, the quarantine is no reason.
    await pg.db.execute(sql`update agents set status = 'online' where id = ${healthy.agentId}`);
    const again = await explainTask(pg.db, task.id);
    expect(again.reasons.some((r) => r.kind === "agent_quarantined")).toBe(false);
  });
});
