import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "@/db/client";
import { claimReleased } from "@/server/tasks/claim-released";
import { completeWithin } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { wakeForDueTasks } from "@/server/tasks/sweep";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, principalOf } from "@/test/engine";
import { seqScansSoFar } from "@/test/plans";

// After a burst is drained, the planner's statistics count it queued until autovacuum's next
// ANALYZE. Statements that run on every hop or every sweep pass must take their index then,
// not scan the whole table for queued tasks that are no longer there.
const pg = setupTestDatabase();

const tasksSeqScans = (tx: Executor) => seqScansSoFar(tx, "tasks");

beforeAll(async () => {
  // This file's database alone: no ANALYZE may catch up with the drain while it runs.
  await pg.db.execute(sql`alter table tasks set (autovacuum_enabled = off)`);
  await pg.db.execute(sql`insert into tasks (name, type, state, queued_at)
    select 'burst', 'noop', 'queued', now() from generate_series(1, 5000)`);
  await pg.db.execute(sql`analyze tasks`);
  await pg.db.execute(sql`update tasks set state = 'succeeded', finished_at = now()
    where name = 'burst'`);
});

describe("the queue's hot statements after a drained burst, on statistics still counting it", () => {
  it("claims a chain's next task with the completion without scanning the table", async () => {
    const capability = `stale-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { tasks } = await submitWorkflow(
      pg.db,
      submitWorkflowInput.parse({
        name: "chain",
        tasks: [
          { key: "parent", name: "parent", capabilities: [capability] },
          { key: "child", name: "child", capabilities: [capability], dependsOn: ["parent"] },
        ],
      }),
      { tokenId: null },
    );
    const [parent, child] = ["parent", "child"].map(
      (key) => tasks.find((task) => task.key === key)?.id ?? "",
    );
    const lease = await claimOnly(pg.db, agent.agentId, parent ?? "");

    await pg.db.transaction(async (tx) => {
      const { settled } = await completeWithin(
        tx,
        agent,
        [{ taskId: parent ?? "", leaseEpoch: lease.leaseEpoch }],
        "defer",
      );
      const before = await tasksSeqScans(tx);
      const claimed = await claimReleased(
        tx,
        agent.agentId,
        settled.readied,
        10,
        principalOf(agent),
      );
      expect(claimed?.map((task) => task.id)).toEqual([child]);
      expect((await tasksSeqScans(tx)) - before).toBe(0);
    });
  });

  it("finds no due task for the sweep without scanning the table", async () => {
    await pg.db.transaction(async (tx) => {
      const before = await tasksSeqScans(tx);
      expect(await wakeForDueTasks(tx)).toBe(false);
      expect((await tasksSeqScans(tx)) - before).toBe(0);
    });
  });
});
