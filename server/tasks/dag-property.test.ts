import { sql } from "drizzle-orm";
import fc from "fast-check";
import { expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { makeAgent } from "@/test/engine";

const pg = setupTestDatabase();

/** A random DAG: edges only point from lower to higher index, so it is acyclic by construction. */
const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc.tuple(
    fc.constant(size),
    fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 2 }),
    fc.array(fc.constantFrom("all_success" as const, "all_done" as const), {
      minLength: size,
      maxLength: size,
    }),
    fc.array(fc.constantFrom("ok" as const, "fail" as const, "retry" as const), {
      minLength: size,
      maxLength: size,
    }),
  ),
);

it("no task starts before its dependencies allow it, and every task ends", async () => {
  const agent = await makeAgent(pg.db);
  await fc.assert(
    fc.asyncProperty(dagArbitrary, async ([size, pairs, rules, outcomes]) => {
      const deps = Array.from({ length: size }, () => new Set<number>());
      for (const [a, b] of pairs) if (a !== b) deps[Math.max(a, b)]?.add(Math.min(a, b));
      const params = submitWorkflowInput.parse({
        name: "property",
        tasks: Array.from({ length: size }, (_, i) => ({
          key: `n${i}`,
          name: `n${i}`,
          dependsOn: [...(deps[i] ?? [])].map((d) => `n${d}`),
          triggerRule: rules[i],
          maxAttempts: 2,
          backoff: { baseS: 0, maxS: 0 },
        })),
      });
      const { workflow, tasks } = await submitWorkflow(pg.db, params, { tokenId: null });
      const indexById = new Map(tasks.map((task) => [task.id, Number(task.key.slice(1))]));

      // Run until nothing is claimable; "retry" fails once (retryable), then succeeds.
      for (let round = 0; round < size * 4 + 4; round++) {
        const claimed = await claimTasks(pg.db, agent.agentId, 4);
        if (claimed.length === 0) break;
        for (const task of claimed) {
          const outcome = outcomes[indexById.get(task.id) ?? 0];
          const lease = { taskId: task.id, leaseEpoch: task.leaseEpoch };
          if (outcome === "ok" || (outcome === "retry" && task.attempt > 1))
            await completeTasks(pg.db, agent, [lease]);
          else
            await failTasks(pg.db, agent, [
              { ...lease, error: "x", retryable: outcome === "retry" },
            ]);
        }
      }

      const states = await pg.db.execute<{ id: string; state: string }>(
        sql`select id, state from tasks where workflow_id = ${workflow.id}`,
      );
      for (const row of states) expect(["succeeded", "failed", "cancelled"]).toContain(row.state);

      // From the event log: when each task started, and when and how each dependency ended.
      const events = await pg.db.execute<{ id: number; task_id: string; kind: string }>(
        sql`select id::float8 as id, task_id, kind from task_events where workflow_id = ${workflow.id} order by id`,
      );
      const endedAt = new Map<string, { id: number; kind: string }>();
      const startedAt = new Map<string, number>();
      for (const event of events) {
        if (["task.succeeded", "task.failed", "task.cancelled"].includes(event.kind))
          endedAt.set(event.task_id, event);
        if (event.kind === "task.started" && !startedAt.has(event.task_id))
          startedAt.set(event.task_id, event.id);
      }
      for (const task of tasks) {
        const start = startedAt.get(task.id);
        if (start === undefined) continue;
        const index = indexById.get(task.id) ?? 0;
        for (const dep of deps[index] ?? []) {
          const depEnd = endedAt.get(tasks[dep]?.id ?? "");
          expect(depEnd, `n${dep} ended before n${index} started`).toBeDefined();
          expect(depEnd?.id).toBeLessThan(start);
          if (rules[index] === "all_success") expect(depEnd?.kind).toBe("task.succeeded");
        }
      }
    }),
    { numRuns: 40 },
  );
}, 120_000);
