import { randomUUID } from "node:crypto";
import type { PgInsertValue } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import { setupTestDatabase } from "@/test/db";
import { countTasks } from "./counts";

const pg = setupTestDatabase();

async function insertTasks(rows: Partial<PgInsertValue<typeof tasks>>[]) {
  await pg.db
    .insert(tasks)
    .values(rows.map((row) => ({ name: "task", state: "queued" as const, ...row })));
}

const zero = {
  blocked: 0,
  waiting: 0,
  queued: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
};

describe("countTasks", () => {
  it("counts every state, 0 for those with no task, honouring each filter", async () => {
    const type = `counted-${randomUUID()}`;
    const agentId = randomUUID();
    const [workflow] = await pg.db.insert(workflows).values({ name: "wf" }).returning();
    await insertTasks([
      { type, name: "Render frame", state: "queued", workflowId: workflow?.id },
      { type, name: "render audio", state: "running", agentId },
      { type, name: "upload", state: "failed" },
      { type, name: "upload 100%", state: "failed", agentId },
      { name: "render elsewhere", state: "succeeded" },
    ]);

    expect(await countTasks(pg.db, { type })).toEqual({
      ...zero,
      queued: 1,
      running: 1,
      failed: 2,
    });
    expect(await countTasks(pg.db, { type, text: "RENDER" })).toEqual({
      ...zero,
      queued: 1,
      running: 1,
    });
    expect(await countTasks(pg.db, { agentId })).toEqual({ ...zero, running: 1, failed: 1 });
    expect(await countTasks(pg.db, { workflowId: workflow?.id })).toEqual({ ...zero, queued: 1 });
    // `%` matches itself, as in tasks.list.
    expect(await countTasks(pg.db, { text: "0%" })).toEqual({ ...zero, failed: 1 });
    expect(await countTasks(pg.db, { type: `none-${randomUUID()}` })).toEqual(zero);
  });

  it("without filters counts the whole table", async () => {
    const before = await countTasks(pg.db, {});
    await insertTasks([{ state: "blocked" }, { state: "cancelled" }, { state: "cancelled" }]);
    const after = await countTasks(pg.db, undefined);
    expect(after).toEqual({
      ...before,
      blocked: before.blocked + 1,
      cancelled: before.cancelled + 2,
    });
  });
});
