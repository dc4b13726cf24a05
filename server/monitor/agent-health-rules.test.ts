import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { heartbeat } from "@/server/agents/heartbeat";
import { releaseAgent } from "@/server/agents/release";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { reportProgress } from "@/server/tasks/progress";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, submit } from "@/test/engine";
import { evaluateAlerts } from "./evaluate";
import {
  alertsOf,
  endClearHold,
  eventKinds,
  resetMonitorTables,
  testSettings,
} from "./test-helpers";

const pg = setupTestDatabase();
const settings = testSettings();
const evaluate = () => evaluateAlerts(pg.db, settings);

beforeEach(() => resetMonitorTables(pg.db));

type Agent = Awaited<ReturnType<typeof makeAgent>>;

async function attempt(agent: Agent, type: string, outcome: "fail" | "succeed") {
  const task = await submit(pg.db, { name: `${type} attempt`, type, maxAttempts: 1 });
  const claimed = await claimOnly(pg.db, agent.agentId, task.id);
  const item = { taskId: task.id, leaseEpoch: claimed.leaseEpoch };
  if (outcome === "succeed") await completeTasks(pg.db, agent, [item]);
  else await failTasks(pg.db, agent, [{ ...item, error: "boom", retryable: false }]);
}

/** Quarantines `flaky` the real way: five failures while `healthy` succeeds at the type. */
async function quarantine(flaky: Agent, healthy: Agent) {
  await attempt(flaky, "etl", "fail");
  await attempt(healthy, "etl", "succeed");
  for (let i = 0; i < 4; i++) await attempt(flaky, "etl", "fail");
}

describe("agent_quarantined", () => {
  it("opens when an agent is quarantined and resolves once an operator releases it", async () => {
    const flaky = await makeAgent(pg.db, { name: "flaky" });
    const healthy = await makeAgent(pg.db);
    await evaluate();
    expect(await alertsOf(pg.db, "agent_quarantined")).toEqual([]);

    await quarantine(flaky, healthy);
    const { nextDueAt } = await evaluate();
    await evaluate();
    const [opened, ...others] = await alertsOf(pg.db, "agent_quarantined");
    expect(others).toEqual([]);
    expect(opened).toMatchObject({
      subject: `agent:${flaky.agentId}`,
      state: "firing",
      severity: "warning",
      value: 5,
      threshold: 5,
    });
    expect(opened?.message).toMatch(/^agent "flaky" is quarantined until .+: its last 5 attempts/);
    // The evaluation is due again when the cool-down ends, to clear the alert on time.
    const [until] = await pg.db.execute<{ ms: number }>(
      sql`select extract(epoch from quarantined_until)::float8 * 1000 as ms from agent_health where agent_id = ${flaky.agentId}`,
    );
    expect(nextDueAt?.getTime()).toBeLessThanOrEqual(Math.ceil(until?.ms ?? 0));

    await releaseAgent(pg.db, { agentId: flaky.agentId }, null);
    await evaluate();
    expect((await alertsOf(pg.db, "agent_quarantined"))[0]?.clearSince).not.toBeNull();
    await endClearHold(pg.db, "agent_quarantined");
    await evaluate();
    expect(await alertsOf(pg.db, "agent_quarantined")).toMatchObject([
      { id: opened?.id, state: "resolved", resolvedBy: null },
    ]);
    expect(await eventKinds(pg.db)).toEqual(["alert.opened", "alert.resolved"]);
  });

  it("resolves when the cool-down ends by itself, and is critical at the 1 h cap", async () => {
    const flaky = await makeAgent(pg.db);
    const healthy = await makeAgent(pg.db);
    await pg.db.execute(
      sql`insert into agent_health (agent_id, quarantine_count) values (${flaky.agentId}, 9)`,
    );
    await quarantine(flaky, healthy);
    await evaluate();
    expect(await alertsOf(pg.db, "agent_quarantined")).toMatchObject([
      { state: "firing", severity: "critical" },
    ]);
    await pg.db.execute(
      sql`update agent_health set quarantined_until = now() - interval '1 s' where agent_id = ${flaky.agentId}`,
    );
    await evaluate();
    await endClearHold(pg.db, "agent_quarantined");
    await evaluate();
    expect(await alertsOf(pg.db, "agent_quarantined")).toMatchObject([{ state: "resolved" }]);
  });
});

describe("task_stalled", () => {
  /** A running task that reported progress, its attempt and its last change `ageS` ago. */
  async function runningWithProgress(ageS: number) {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "training" });
    const claimed = await claimOnly(pg.db, agent.agentId, task.id);
    const lease = { taskId: task.id, leaseEpoch: claimed.leaseEpoch };
    await reportProgress(pg.db, agent, { ...lease, fraction: 0.1, step: "epoch 1" });
    await pg.db.execute(sql`
      update tasks set started_at = now() - make_interval(secs => ${ageS + 10}),
        progress_changed_at = now() - make_interval(secs => ${ageS})
      where id = ${task.id}`);
    return { agent, task, lease };
  }

  it("opens when progress stays unchanged past the threshold despite heartbeats, and resolves when it moves", async () => {
    const { agent, task, lease } = await runningWithProgress(30);
    await evaluate();
    expect(await alertsOf(pg.db, "task_stalled")).toEqual([]);

    await pg.db.execute(
      sql`update tasks set started_at = now() - interval '110 s', progress_changed_at = now() - interval '100 s' where id = ${task.id}`,
    );
    // The agent is alive: heartbeats, and reports that change neither the fraction nor the step.
    await heartbeat(pg.db, { agentId: agent.agentId });
    await reportProgress(pg.db, agent, { ...lease, fraction: 0.1, message: "still going" });
    await reportProgress(pg.db, agent, { ...lease, step: "epoch 1" });
    await evaluate();
    await evaluate();
    const [opened, ...others] = await alertsOf(pg.db, "task_stalled");
    expect(others).toEqual([]);
    expect(opened).toMatchObject({ subject: `task:${task.id}`, state: "firing", threshold: 90 });
    expect(opened?.message).toMatch(/^task "training" has made no progress for 1\d\d s/);

    await reportProgress(pg.db, agent, { ...lease, step: "epoch 2" });
    await evaluate();
    expect((await alertsOf(pg.db, "task_stalled"))[0]).toMatchObject({ state: "firing" });
    expect((await alertsOf(pg.db, "task_stalled"))[0]?.clearSince).not.toBeNull();
    await endClearHold(pg.db, "task_stalled");
    await evaluate();
    expect(await alertsOf(pg.db, "task_stalled")).toMatchObject([
      { id: opened?.id, state: "resolved", resolvedBy: null },
    ]);
  });

  it("clears when the stalled task finishes", async () => {
    const { agent, lease } = await runningWithProgress(200);
    await evaluate();
    expect(await alertsOf(pg.db, "task_stalled")).toMatchObject([{ severity: "critical" }]);
    await completeTasks(pg.db, agent, [lease]);
    await evaluate();
    await endClearHold(pg.db, "task_stalled");
    await evaluate();
    expect(await alertsOf(pg.db, "task_stalled")).toMatchObject([{ state: "resolved" }]);
  });

  it("says nothing of a task that never reported progress in this attempt", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "silent worker" });
    await claimOnly(pg.db, agent.agentId, task.id);
    // A change from an earlier attempt, before this one started, does not count either.
    await pg.db.execute(sql`
      update tasks set started_at = now() - interval '500 s',
        progress_changed_at = now() - interval '900 s'
      where id = ${task.id}`);
    await evaluate();
    expect(await alertsOf(pg.db, "task_stalled")).toEqual([]);
  });
});
