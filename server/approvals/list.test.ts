import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { countApprovals, listApprovals, MAX_RESULT_CHARS } from "./list";

const pg = setupTestDatabase();

it("lists tasks waiting for `approval` with their workflow and upstream results, bounded", async () => {
  const { workflow, tasks } = await submitWorkflow(
    pg.db,
    submitWorkflowInput.parse({
      name: "report",
      tasks: [
        { key: "small", name: "Small draft" },
        { key: "large", name: "Large draft" },
        {
          key: "review",
          name: "Review",
          dependsOn: ["small", "large"],
          waitFor: { signal: "approval" },
        },
      ],
    }),
    { tokenId: null },
  );
  // Another signal is not an approval.
  await submit(pg.db, { name: "deploy gate", waitFor: { signal: "deploy" } });
  expect(await countApprovals(pg.db)).toBe(0);

  const agent = await makeAgent(pg.db);
  const big = "x".repeat(MAX_RESULT_CHARS + 100);
  const claimed = await claimTasks(pg.db, agent.agentId, 2);
  const idOf = (key: string) => tasks.find((t) => t.key === key)?.id;
  await completeTasks(
    pg.db,
    agent,
    claimed.map((c) => ({
      taskId: c.id,
      leaseEpoch: c.leaseEpoch,
      result: c.id === idOf("small") ? { text: "<b>draft</b>" } : { text: big },
    })),
  );
  expect(await countApprovals(pg.db)).toBe(1);
  const { items, total } = await listApprovals(pg.db, {});
  expect(total).toBe(1);
  expect(items[0]).toMatchObject({
    key: "review",
    name: "Review",
    workflow: { id: workflow.id, name: "report" },
    moreUpstream: 0,
  });
  expect(items[0]?.waitedS).toBeGreaterThanOrEqual(0);
  const byKey = new Map(items[0]?.upstream.map((u) => [u.key, u]));
  expect(byKey.get("small")).toMatchObject({ result: { text: "<b>draft</b>" }, preview: null });
  expect(byKey.get("large")?.result).toBeNull();
  expect(byKey.get("large")?.preview).toHaveLength(MAX_RESULT_CHARS);

  await pg.db.execute(sql`update tasks set state = 'cancelled' where key = 'review'`);
  expect((await listApprovals(pg.db, {})).items).toEqual([]);
});
