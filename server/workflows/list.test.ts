import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { dagWithAgent, failForGood, succeed } from "@/test/workflows";
import { cancelWorkflow } from "./cancel";
import { listWorkflows } from "./list";
import { getWorkflowRun } from "./summary";

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
      counts: {
        blocked: 0,
        waiting: 0,
        queued: 0,
        running: 1,
        succeeded: 1,
        failed: 1,
        cancelled: 0,
      },
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

  it("filters by derived state, submitter and creation time, a page at a time", async () => {
    const { token } = await createToken(pg.db, {
      name: `submitter ${randomUUID()}`,
      role: "orchestrator",
    });
    const operator = { tokenId: token.id, role: "operator" as const };
    const mine = { tokenId: token.id };
    const ok = await dagWithAgent(pg.db, [{ key: "a" }], mine);
    await succeed(pg.db, ok.agent, await ok.claim());
    const bad = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }], mine);
    await failForGood(pg.db, bad.agent, await bad.claim());
    const stopped = await dagWithAgent(pg.db, [{ key: "a" }], mine);
    await cancelWorkflow(pg.db, stopped.workflowId, "stop", operator);
    const live = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }], mine);
    await live.claim();
    // Someone else's: never listed under this submitter.
    await dagWithAgent(pg.db, [{ key: "a" }]);

    const byState = async (state: string) =>
      (await listWorkflows(pg.db, { submitter: token.name, state: state as never })).items.map(
        (run) => run.id,
      );
    expect(await byState("succeeded")).toEqual([ok.workflowId]);
    expect(await byState("failed")).toEqual([bad.workflowId]);
    expect(await byState("cancelled")).toEqual([stopped.workflowId]);
    expect(await byState("running")).toEqual([live.workflowId]);

    const [failed] = (await listWorkflows(pg.db, { submitter: token.name, state: "failed" })).items;
    expect(failed).toMatchObject({
      counts: { failed: 1, cancelled: 1 },
      done: 2,
      total: 2,
      submitter: { id: token.id, name: token.name },
      finishedAt: expect.any(String),
      durationS: expect.any(Number),
      eta: null,
    });
    const [running] = (await listWorkflows(pg.db, { submitter: token.name, state: "running" }))
      .items;
    // One run alone, as the list shows it (durationS and eta move with the clock).
    const { durationS: _d, eta: _e, ...shown } = running ?? {};
    expect(await getWorkflowRun(pg.db, live.workflowId)).toMatchObject(shown);
    // The run page's header also shows the metadata, which list rows leave out.
    await pg.db.execute(
      sql`update workflows set metadata = '{"team":"render"}' where id = ${live.workflowId}`,
    );
    expect((await getWorkflowRun(pg.db, live.workflowId)).metadata).toEqual({ team: "render" });
    expect(running).not.toHaveProperty("metadata");
    await expect(getWorkflowRun(pg.db, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(running?.finishedAt).toBeNull();
    expect(running?.eta).toEqual({ finishAt: expect.any(String), remainingS: expect.any(Number) });

    // Keyset pages of 3 then 1, newest first, with nothing repeated or skipped.
    const first = await listWorkflows(pg.db, { submitter: token.name, limit: 3 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listWorkflows(pg.db, {
      submitter: token.name,
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((run) => run.id)).toEqual([
      live.workflowId,
      stopped.workflowId,
      bad.workflowId,
      ok.workflowId,
    ]);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await listWorkflows(pg.db, { submitter: token.name, since: future })).items).toEqual(
      [],
    );
    expect(
      (await listWorkflows(pg.db, { submitter: token.name, until: future })).items,
    ).toHaveLength(4);
    await expect(listWorkflows(pg.db, { cursor: "nonsense" })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ["cursor"] })],
    });
  });
});
