import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks, RETRY_ELSEWHERE_S } from "@/server/tasks/claim";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { submitTaskInput } from "@/server/tasks/inputs";
import { cancelTask, retryTask, setTaskPriority } from "@/server/tasks/operate";
import { reportProgress } from "@/server/tasks/progress";
import { submitTask } from "@/server/tasks/submit";
import { setupTestDatabase } from "@/test/db";
import { backdate, claimOnly, makeAgent, stateOf, submit } from "@/test/engine";

const pg = setupTestDatabase();

async function eventKinds(taskId: string) {
  const rows = await pg.db.execute<{ kind: string }>(
    sql`select kind from task_events where task_id = ${taskId} order by id`,
  );
  return rows.map((row) => row.kind);
}

describe("legal transitions", () => {
  it("queued → running → succeeded, with progress on the way, each one an event", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "happy" });
    expect(task.state).toBe("queued");
    const claimed = await claimOnly(pg.db, agent.agentId, task.id);
    expect(claimed.leaseEpoch).toBe(1);
    await reportProgress(pg.db, agent, {
      taskId: task.id,
      leaseEpoch: 1,
      fraction: 0.5,
      step: "halfway",
    });
    const [outcome] = await completeTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 1, result: { ok: 1 } },
    ]);
    expect(outcome).toEqual({ taskId: task.id, ok: true });
    const [row] = await pg.db.execute<{ state: string; result: unknown; progress: number }>(
      sql`select state, result, progress from tasks where id = ${task.id}`,
    );
    expect(row).toEqual({ state: "succeeded", result: { ok: 1 }, progress: 1 });
    expect(await eventKinds(task.id)).toEqual([
      "task.submitted",
      "task.started",
      "task.progress",
      "task.succeeded",
    ]);
  });

  it("a batch of completions writes one event per task it ends, before the dependents'", async () => {
    const agent = await makeAgent(pg.db);
    const first = await submit(pg.db, { name: "batch-a" });
    await claimOnly(pg.db, agent.agentId, first.id);
    const second = await submit(pg.db, { name: "batch-b" });
    await claimOnly(pg.db, agent.agentId, second.id);
    const after = await submit(pg.db, { name: "batch-after", dependsOn: [first.id] });
    const outcomes = await completeTasks(pg.db, agent, [
      { taskId: first.id, leaseEpoch: 1 },
      { taskId: second.id, leaseEpoch: 7 },
    ]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false]);
    const rows = await pg.db.execute<{
      task_id: string;
      kind: string;
      agent_id: string | null;
      from_state: string;
      to_state: string;
      data: unknown;
    }>(sql`
      select task_id, kind, agent_id, from_state, to_state, data from task_events
      where task_id = any(${`{${[first.id, second.id, after.id].join(",")}}`}::uuid[])
        and kind in ('task.succeeded', 'task.queued')
      order by id`);
    expect(rows.map((row) => ({ ...row }))).toEqual([
      {
        task_id: first.id,
        kind: "task.succeeded",
        agent_id: agent.agentId,
        from_state: "running",
        to_state: "succeeded",
        data: { attempt: 1 },
      },
      expect.objectContaining({ task_id: after.id, kind: "task.queued", from_state: "blocked" }),
    ]);
    expect(await stateOf(pg.db, second.id)).toBe("running");
  });

  it("running → queued (retry) → running → failed when attempts run out", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, {
      name: "flaky",
      maxAttempts: 2,
      backoff: { baseS: 0, maxS: 0 },
    });
    await claimOnly(pg.db, agent.agentId, task.id);
    await failTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 1, error: "boom", retryable: true },
    ]);
    expect(await stateOf(pg.db, task.id)).toBe("queued");
    // Other agents of this file could run it: the one that failed gets it after they had a go.
    await backdate(pg.db, task.id, "run_at", RETRY_ELSEWHERE_S + 1);
    await claimOnly(pg.db, agent.agentId, task.id);
    await failTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 2, error: "boom again", retryable: true },
    ]);
    expect(await stateOf(pg.db, task.id)).toBe("failed");
    expect(await eventKinds(task.id)).toEqual([
      "task.submitted",
      "task.started",
      "task.retrying",
      "task.started",
      "task.failed",
    ]);
  });

  it("a non-retryable failure ends the task at once", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "fatal", maxAttempts: 5 });
    await claimOnly(pg.db, agent.agentId, task.id);
    await failTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 1, error: "bad input", retryable: false },
    ]);
    expect(await stateOf(pg.db, task.id)).toBe("failed");
  });

  it("blocked, queued and running tasks can be cancelled; failed and cancelled ones retried", async () => {
    const agent = await makeAgent(pg.db);
    const upstream = await submit(pg.db, { name: "up" });
    const blocked = await submit(pg.db, {
      name: "blocked",
      dependsOn: [upstream.id],
      triggerRule: "all_done",
    });
    expect(blocked.state).toBe("blocked");
    await cancelTask(pg.db, blocked.id, "not needed");
    expect(await stateOf(pg.db, blocked.id)).toBe("cancelled");

    await claimOnly(pg.db, agent.agentId, upstream.id);
    await cancelTask(pg.db, upstream.id, "stop");
    expect(await stateOf(pg.db, upstream.id)).toBe("cancelled");
    // The agent's lease is void: completing now changes nothing.
    const [late] = await completeTasks(pg.db, agent, [{ taskId: upstream.id, leaseEpoch: 1 }]);
    expect(late).toMatchObject({ ok: false, code: "CONFLICT" });

    await retryTask(pg.db, upstream.id);
    expect(await stateOf(pg.db, upstream.id)).toBe("queued");
    await setTaskPriority(pg.db, upstream.id, 7);
  });
});

describe("illegal transitions are refused and change nothing", () => {
  it("complete, progress or fail a task that is not running → CONFLICT", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "still queued" });
    const [complete] = await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 1 }]);
    expect(complete).toMatchObject({ ok: false, code: "CONFLICT" });
    const [fail] = await failTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 1, error: "x", retryable: true },
    ]);
    expect(fail).toMatchObject({ ok: false, code: "CONFLICT" });
    await expect(
      reportProgress(pg.db, agent, { taskId: task.id, leaseEpoch: 1 }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await stateOf(pg.db, task.id)).toBe("queued");
  });

  it("cancel an ended task, retry a live one, reprioritise a running one → CONFLICT", async () => {
    const agent = await makeAgent(pg.db);
    const done = await submit(pg.db, { name: "done" });
    await claimOnly(pg.db, agent.agentId, done.id);
    await completeTasks(pg.db, agent, [{ taskId: done.id, leaseEpoch: 1 }]);
    await expect(cancelTask(pg.db, done.id, "too late")).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(retryTask(pg.db, done.id)).rejects.toMatchObject({ code: "CONFLICT" });

    const running = await submit(pg.db, { name: "running" });
    await claimOnly(pg.db, agent.agentId, running.id);
    await expect(retryTask(pg.db, running.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(setTaskPriority(pg.db, running.id, 3)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await stateOf(pg.db, running.id)).toBe("running");
    expect(await stateOf(pg.db, done.id)).toBe("succeeded");
  });

  it("completing twice: the second call is refused", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "twice" });
    await claimOnly(pg.db, agent.agentId, task.id);
    await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 1, result: 1 }]);
    const [again] = await completeTasks(pg.db, agent, [
      { taskId: task.id, leaseEpoch: 1, result: 2 },
    ]);
    expect(again).toMatchObject({ ok: false, code: "CONFLICT" });
    const [row] = await pg.db.execute<{ result: unknown }>(
      sql`select result from tasks where id = ${task.id}`,
    );
    expect(row?.result).toBe(1);
  });

  it("a task cancelled by its upstream's failure is retried through that upstream", async () => {
    const agent = await makeAgent(pg.db);
    const upstream = await submit(pg.db, { name: "up", maxAttempts: 1 });
    const dependent = await submit(pg.db, { name: "down", dependsOn: [upstream.id] });
    await claimOnly(pg.db, agent.agentId, upstream.id);
    await failTasks(pg.db, agent, [
      { taskId: upstream.id, leaseEpoch: 1, error: "x", retryable: false },
    ]);
    expect(await stateOf(pg.db, dependent.id)).toBe("cancelled");
    await expect(retryTask(pg.db, dependent.id)).rejects.toThrow(/upstream task failed/);
    expect(await stateOf(pg.db, dependent.id)).toBe("cancelled");
  });

  it("a queued task can be cancelled, and is then never claimed", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "never" });
    await cancelTask(pg.db, task.id, "changed my mind");
    expect(await stateOf(pg.db, task.id)).toBe("cancelled");
    expect(await claimTasks(pg.db, agent.agentId, 10)).toEqual([]);
  });

  it("unknown tasks are NOT_FOUND", async () => {
    const agent = await makeAgent(pg.db);
    const id = "00000000-0000-4000-8000-000000000000";
    await expect(cancelTask(pg.db, id, "x")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const [outcome] = await completeTasks(pg.db, agent, [{ taskId: id, leaseEpoch: 1 }]);
    expect(outcome).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("idempotent submission", () => {
  it("the same key, even concurrently, yields one task and writes nothing more", async () => {
    const params = submitTaskInput.parse({ name: "once", idempotencyKey: "order-42" });
    const results = await Promise.all(
      [1, 2, 3].map(() => submitTask(pg.db, params, { tokenId: null })),
    );
    expect(new Set(results.map((result) => result.task.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const [count] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks where idempotency_key = 'order-42'`,
    );
    expect(count?.n).toBe(1);
  });
});
