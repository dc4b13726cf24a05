import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { listWorkflows } from "./list";

const pg = setupTestDatabase();

async function submit(name: string, keys: string[]) {
  const input = submitWorkflowInput.parse({
    name,
    tasks: keys.map((key, i) => ({ key, name: key, dependsOn: i === 0 ? [] : [keys[0]] })),
  });
  return submitWorkflow(pg.db, input, { tokenId: null });
}

describe("listWorkflows", () => {
  it("lists the newest first with task counts by outcome", async () => {
    const prefix = `list-${randomUUID()}`;
    const older = await submit(`${prefix} older`, ["a"]);
    const newer = await submit(`${prefix} newer`, ["a", "b", "c"]);
    // Same created_at is possible within one transaction's clock; make the order certain.
    await pg.db.execute(
      sql`update workflows set created_at = now() - interval '1 minute' where id = ${older.workflow.id}`,
    );
    const [first, second, third] = newer.tasks;
    if (!first || !second || !third) throw new Error("tasks missing");
    await pg.db.execute(sql`update tasks set state = 'succeeded' where id = ${first.id}`);
    await pg.db.execute(sql`update tasks set state = 'failed' where id = ${second.id}`);
    await pg.db.execute(sql`update tasks set state = 'running' where id = ${third.id}`);

    const listed = (await listWorkflows(pg.db, { text: prefix })).items;
    expect(listed.map((w) => w.id)).toEqual([newer.workflow.id, older.workflow.id]);
    expect(listed[0]).toMatchObject({
      name: `${prefix} newer`,
      state: "running",
      total: 3,
      done: 2,
      counts: { blocked: 0, queued: 0, running: 1, succeeded: 1, failed: 1, cancelled: 0 },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(listed[1]).toMatchObject({ state: "running", total: 1, done: 0, finishedAt: null });
  });

  it("limits, and matches the name text literally", async () => {
    const prefix = `limit-${randomUUID()}`;
    for (const suffix of ["1", "2", "3"]) await submit(`${prefix} ${suffix}`, ["a"]);
    await submit(`${prefix}%x`, ["a"]);
    expect((await listWorkflows(pg.db, { text: prefix, limit: 2 })).items).toHaveLength(2);
    expect((await listWorkflows(pg.db, { text: `${prefix}%` })).items.map((w) => w.name)).toEqual([
      `${prefix}%x`,
    ]);
    expect(await listWorkflows(pg.db, { text: `nothing-${randomUUID()}` })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
