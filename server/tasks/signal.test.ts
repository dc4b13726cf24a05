import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import type { Principal } from "@/server/auth/roles";
import { DomainError } from "@/server/errors";
import { readWorkflowState } from "@/server/workflows/lock";
import { retryWorkflow } from "@/server/workflows/retry";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, stateOf, submit } from "@/test/engine";
import { claimTasks } from "./claim";
import { explainTask } from "./explain";
import { completeTasks } from "./finish";
import { submitWorkflowInput } from "./inputs";
import { retryTask } from "./operate";
import { signalTask, signalTaskInput } from "./signal";
import { submitWorkflow } from "./submit-workflow";
import { endExpiredWaits } from "./sweep";

const pg = setupTestDatabase();
const connections: ReturnType<typeof createDatabase>[] = [];
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.sql.end()));
});

const operator: Principal = {
  tokenId: "00000000-0000-4000-8000-000000000001",
  tokenName: "operator token",
  role: "operator",
  via: "bearer",
};

const signal = (input: Record<string, unknown>, principal: Principal = operator) =>
  signalTask(pg.db, signalTaskInput.parse(input), principal);

/** draft → approval (waits for `approval`) → publish, and `notify` (all_done) after the gate. */
async function pipeline() {
  const { workflow, tasks } = await submitWorkflow(
    pg.db,
    submitWorkflowInput.parse({
      name: "draft, approve, publish",
      tasks: [
        { key: "draft", name: "Draft" },
        {
          key: "approval",
          name: "Approve the draft",
          dependsOn: ["draft"],
          waitFor: { signal: "approval", timeoutS: 3600 },
        },
        { key: "publish", name: "Publish", dependsOn: ["approval"] },
        { key: "notify", name: "Notify", dependsOn: ["approval"], triggerRule: "all_done" },
      ],
    }),
    { tokenId: null },
  );
  const id = (key: string) => tasks.find((task) => task.key === key)?.id ?? "";
  return { workflowId: workflow.id, draft: id("draft"), gate: id("approval"), id };
}

async function row(id: string) {
  const [task] = await pg.db.execute<{
    state: string;
    result: unknown;
    error: { code?: string; message?: string } | null;
    waiting_since: string | null;
    wait_deadline: string | null;
  }>(sql`select state, result, error, waiting_since, wait_deadline from tasks where id = ${id}`);
  return task;
}

async function kinds(taskId: string) {
  const rows = await pg.db.execute<{ kind: string }>(
    sql`select kind from task_events where task_id = ${taskId} order by id`,
  );
  return rows.map((r) => r.kind);
}

/** Runs `draft` to success with an agent, which readies the gate. */
async function finishDraft(draftId: string) {
  const agent = await makeAgent(pg.db);
  const claimed = await claimOnly(pg.db, agent.agentId, draftId);
  await completeTasks(pg.db, agent, [
    { taskId: draftId, leaseEpoch: claimed.leaseEpoch, result: { text: "draft" } },
  ]);
}

async function expectRefusal(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  if (message) expect((error as DomainError).message).toMatch(message);
}

describe("waitFor", () => {
  it("waits once its dependencies are done; no claim takes it; succeed releases dependents with the payload as result", async () => {
    const run = await pipeline();
    expect(await stateOf(pg.db, run.gate)).toBe("blocked");
    await finishDraft(run.draft);

    const gate = await row(run.gate);
    expect(gate?.state).toBe("waiting");
    expect(gate?.waiting_since).not.toBeNull();
    expect(gate?.wait_deadline).not.toBeNull();
    expect(await kinds(run.gate)).toEqual(["task.submitted", "task.waiting"]);
    // The completion's release writes the event in SQL: the same data as every other path's.
    const [waiting] = await pg.db.execute<{ data: unknown }>(
      sql`select data from task_events where task_id = ${run.gate} and kind = 'task.waiting'`,
    );
    expect(waiting?.data).toEqual({
      signal: "approval",
      timeoutAt: new Date(gate?.wait_deadline ?? 0).toISOString(),
    });
    const agent = await makeAgent(pg.db);
    expect(await claimTasks(pg.db, agent.agentId, 10)).toEqual([]);
    expect((await readWorkflowState(pg.db, run.workflowId)).counts.waiting).toBe(1);

    const explained = await explainTask(pg.db, run.gate);
    expect(explained.state).toBe("waiting");
    expect(explained.reasons.map((r) => r.message).join()).toMatch(
      /^waiting for signal `approval` since \d{4}-.*, times out at \d{4}-/,
    );

    const outcome = await signal({
      workflowId: run.workflowId,
      key: "approval",
      signal: "approval",
      payload: { approved: true, comment: "ship it" },
    });
    expect(outcome).toEqual({ taskId: run.gate, workflowId: run.workflowId, state: "succeeded" });
    expect(await row(run.gate)).toMatchObject({
      state: "succeeded",
      result: { approved: true, comment: "ship it" },
      wait_deadline: null,
    });
    expect(await kinds(run.gate)).toEqual([
      "task.submitted",
      "task.waiting",
      "task.signalled",
      "task.succeeded",
    ]);
    expect(await stateOf(pg.db, run.id("publish"))).toBe("queued");
    expect(await stateOf(pg.db, run.id("notify"))).toBe("queued");
  });

  it("a root task waits from its submission; a workflow task without dependencies too", async () => {
    const task = await submit(pg.db, { name: "gate", waitFor: { signal: "go" } });
    expect(task.state).toBe("waiting");
    expect(task.waitDeadline).toBeNull();
    expect(await kinds(task.id)).toEqual(["task.submitted", "task.waiting"]);
    const { tasks } = await submitWorkflow(
      pg.db,
      submitWorkflowInput.parse({
        name: "gate first",
        tasks: [
          { key: "gate", name: "Gate", waitFor: { signal: "go", timeoutS: 5 } },
          { key: "after", name: "After", dependsOn: ["gate"] },
        ],
      }),
      { tokenId: null },
    );
    expect(tasks.map((t) => t.state)).toEqual(["waiting", "blocked"]);
  });

  it("fail fails it for good and the trigger rules apply: all_success cancelled, all_done queued", async () => {
    const run = await pipeline();
    await finishDraft(run.draft);
    const outcome = await signal({
      taskId: run.gate,
      signal: "approval",
      outcome: "fail",
      reason: "the figures are wrong",
    });
    expect(outcome.state).toBe("failed");
    expect(await row(run.gate)).toMatchObject({
      state: "failed",
      error: { code: "signal_failed", message: "the figures are wrong" },
    });
    expect(await stateOf(pg.db, run.id("publish"))).toBe("cancelled");
    expect(await stateOf(pg.db, run.id("notify"))).toBe("queued");
  });

  it("a timeout fails it with wait_timeout; a retry waits again with a new timeout", async () => {
    const task = await submit(pg.db, {
      name: "slow gate",
      waitFor: { signal: "ok", timeoutS: 60 },
    });
    expect(await endExpiredWaits(pg.db)).toBe(0);
    await pg.db.execute(
      sql`update tasks set wait_deadline = now() - interval '1 s' where id = ${task.id}`,
    );
    expect(await endExpiredWaits(pg.db)).toBe(1);
    expect(await row(task.id)).toMatchObject({
      state: "failed",
      error: { code: "wait_timeout", message: 'no signal "ok" within 60 s' },
    });
    const [event] = await pg.db.execute<{ data: { reason: string } }>(
      sql`select data from task_events where task_id = ${task.id} and kind = 'task.failed'`,
    );
    expect(event?.data.reason).toBe("wait_timeout");

    await retryTask(pg.db, task.id);
    const retried = await row(task.id);
    expect(retried?.state).toBe("waiting");
    expect(new Date(retried?.wait_deadline ?? 0).getTime()).toBeGreaterThan(Date.now());
  });
});

describe("retry", () => {
  it("retrying a run whose gate timed out puts the gate back to waiting, its dependents blocked", async () => {
    const run = await pipeline();
    await finishDraft(run.draft);
    await pg.db.execute(
      sql`update tasks set wait_deadline = now() - interval '1 s' where id = ${run.gate}`,
    );
    await endExpiredWaits(pg.db);
    expect(await stateOf(pg.db, run.id("publish"))).toBe("cancelled");
    const result = await retryWorkflow(pg.db, run.workflowId, {
      tokenId: operator.tokenId,
      role: "operator",
    });
    expect(result).toMatchObject({ queued: [], waiting: [run.gate], blocked: [run.id("publish")] });
    const [event] = await pg.db.execute<{ data: { signal: string; timeoutAt: string } }>(
      sql`select data from task_events where task_id = ${run.gate} and kind = 'task.waiting' order by id desc limit 1`,
    );
    expect(event?.data.signal).toBe("approval");
    expect(Date.parse(event?.data.timeoutAt ?? "")).toBeGreaterThan(Date.now());
  });
});

describe("refusals", () => {
  it("CONFLICT says what the task is doing: another signal, blocked, queued, finished", async () => {
    const run = await pipeline();
    await expectRefusal(
      signal({ taskId: run.gate, signal: "approval" }),
      "CONFLICT",
      /is blocked on its dependencies \(it will wait for signal "approval"\)/,
    );
    await expectRefusal(
      signal({ taskId: run.draft, signal: "approval" }),
      "CONFLICT",
      /queued for an agent and waits for no signal/,
    );
    await finishDraft(run.draft);
    await expectRefusal(
      signal({ taskId: run.gate, signal: "deploy" }),
      "CONFLICT",
      /not waiting for signal "deploy": it waits for signal "approval"/,
    );
    await signal({ taskId: run.gate, signal: "approval" });
    await expectRefusal(
      signal({ taskId: run.gate, signal: "approval" }),
      "CONFLICT",
      /already succeeded/,
    );
    await expectRefusal(
      signal({ workflowId: run.workflowId, key: "nope", signal: "approval" }),
      "NOT_FOUND",
    );
  });

  it("two signals at once on their own connections: exactly one wins, the other is a CONFLICT", async () => {
    for (let round = 0; round < 5; round++) {
      const task = await submit(pg.db, { name: `race ${round}`, waitFor: { signal: "approval" } });
      const racers = [0, 1].map((i) => {
        const connection = createDatabase(pg.url, { max: 1, applicationName: `signal-${i}` });
        connections.push(connection);
        return signalTask(
          connection.db,
          signalTaskInput.parse({
            taskId: task.id,
            signal: "approval",
            outcome: i === 0 ? "succeed" : "fail",
          }),
          operator,
        );
      });
      const settled = await Promise.allSettled(racers);
      const won = settled.filter((s) => s.status === "fulfilled");
      const lost = settled.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as DomainError).code).toBe("CONFLICT");
      const [events] = await pg.db.execute<{ n: number }>(
        sql`select count(*)::int as n from task_events where task_id = ${task.id} and kind = 'task.signalled'`,
      );
      expect(events?.n).toBe(1);
    }
  });

  it("an agent may signal only tasks of a workflow in which it runs a task", async () => {
    const run = await pipeline();
    await finishDraft(run.draft);
    const other = await pipeline();
    // An agent runs `draft` of the other run only.
    const agent = await makeAgent(pg.db);
    await pg.db.execute(
      sql`update tasks set state = 'cancelled' where state = 'queued' and id <> ${other.draft}`,
    );
    await claimTasks(pg.db, agent.agentId, 1);
    const asAgent: Principal = {
      tokenId: agent.tokenId,
      tokenName: "agent token",
      role: "agent",
      via: "bearer",
    };
    await expectRefusal(
      signal({ taskId: run.gate, signal: "approval" }, asAgent),
      "FORBIDDEN",
      /runs a task/,
    );
    expect(await stateOf(pg.db, run.gate)).toBe("waiting");

    // The same agent, now running a task of this run (a second draft-like task), may.
    await pg.db.execute(sql`
      update tasks set state = 'running', agent_id = ${agent.agentId}, lease_epoch = 1,
        lease_expires_at = now() + interval '1 minute'
      where id = ${run.id("notify")}`);
    const outcome = await signal({ taskId: run.gate, signal: "approval" }, asAgent);
    expect(outcome.state).toBe("succeeded");
  });
});

describe("input", () => {
  it("takes a task id, or a workflow id and key, and a safe signal name", () => {
    const ok = { taskId: "00000000-0000-4000-8000-000000000002", signal: "approval" };
    expect(signalTaskInput.safeParse(ok).success).toBe(true);
    expect(signalTaskInput.safeParse({ signal: "approval" }).success).toBe(false);
    expect(signalTaskInput.safeParse({ ...ok, key: "gate" }).success).toBe(false);
    expect(signalTaskInput.safeParse({ ...ok, signal: "drop table;" }).success).toBe(false);
    expect(signalTaskInput.safeParse({ ...ok, signal: "x".repeat(101) }).success).toBe(false);
  });
});
