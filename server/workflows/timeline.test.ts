import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { failTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { dagWithAgent, succeed } from "@/test/workflows";
import { workflowTimeline } from "./timeline";

const pg = setupTestDatabase();

describe("workflowTimeline", () => {
  it("gives each task its attempts from the event log: a failure retried, then a success", async () => {
    const dag = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const [first] = await dag.claim();
    if (!first) throw new Error("a should be claimed");
    await failTasks(pg.db, dag.agent, [
      { taskId: first.id, leaseEpoch: first.leaseEpoch, error: "flaky", retryable: true },
    ]);
    // The retry's backoff, skipped: the test is about what the log says, not about waiting.
    await pg.db.execute(sql`update tasks set run_at = now() where id = ${first.id}`);
    const [second] = await dag.claim();
    if (!second) throw new Error("a should be claimed again");
    await succeed(pg.db, dag.agent, [second]);

    const timeline = await workflowTimeline(pg.db, dag.workflowId);
    const [a, b] = timeline.tasks;
    expect(a?.key).toBe("a");
    expect(a?.state).toBe("succeeded");
    expect(a?.attempts.map((attempt) => [attempt.epoch, attempt.outcome])).toEqual([
      [1, "retried"],
      [2, "succeeded"],
    ]);
    for (const attempt of a?.attempts ?? []) {
      expect(attempt.agentId).toBe(dag.agent.agentId);
      expect(attempt.queuedAt).not.toBeNull();
      expect(Date.parse(attempt.claimedAt)).toBeGreaterThanOrEqual(
        Date.parse(attempt.queuedAt ?? ""),
      );
      expect(Date.parse(attempt.endedAt ?? "")).toBeGreaterThanOrEqual(
        Date.parse(attempt.claimedAt),
      );
    }
    // The second wait began when the failure put it back in the queue.
    expect(Date.parse(a?.attempts[1]?.queuedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(a?.attempts[0]?.endedAt ?? ""),
    );
    // b was released by a's success: queued, never claimed, its wait open.
    expect(b?.key).toBe("b");
    expect(b?.state).toBe("queued");
    expect(b?.attempts).toEqual([]);
    expect(b?.queuedAt).not.toBeNull();
  });

  it("shows a running attempt as open and a task failed for good as failed", async () => {
    const dag = await dagWithAgent(pg.db, [{ key: "x" }, { key: "y" }]);
    const claimed = await dag.claim();
    const x = claimed.find((task) => task.id === dag.ids.x);
    if (!x) throw new Error("x should be claimed");
    await failTasks(pg.db, dag.agent, [
      { taskId: x.id, leaseEpoch: x.leaseEpoch, error: "no", retryable: false },
    ]);
    const timeline = await workflowTimeline(pg.db, dag.workflowId);
    const byKey = new Map(timeline.tasks.map((task) => [task.key, task]));
    expect(byKey.get("x")?.attempts.map((attempt) => attempt.outcome)).toEqual(["failed"]);
    const y = byKey.get("y");
    expect(y?.attempts).toHaveLength(1);
    expect(y?.attempts[0]?.outcome).toBe("running");
    expect(y?.attempts[0]?.endedAt).toBeNull();
    expect(y?.queuedAt).toBeNull();
  });

  it("is NOT_FOUND for an unknown workflow", async () => {
    await expect(workflowTimeline(pg.db, randomUUID())).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
