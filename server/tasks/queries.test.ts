import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { PgInsertValue } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { taskEvents as events, taskDependencies, tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import { setupTestDatabase } from "@/test/db";
import { getTask, getWorkflow, listTasks, taskEvents } from "./queries";

const pg = setupTestDatabase();

// PgInsertValue, not $inferInsert: it also takes SQL, e.g. a time relative to now().
type TaskInsert = PgInsertValue<typeof tasks>;

async function insertTasks(rows: Partial<TaskInsert>[]) {
  return pg.db
    .insert(tasks)
    .values(rows.map((row) => ({ name: "task", state: "queued" as const, ...row })))
    .returning();
}

/** Every page of a listing, following nextCursor to the end. */
async function allPages(filter: Parameters<typeof listTasks>[1]) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listTasks(pg.db, { ...filter, cursor });
    ids.push(...page.items.map((t) => t.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

describe("listTasks", () => {
  it("pages through every matching row exactly once, newest first, ties broken by id", async () => {
    const type = `paged-${randomUUID()}`;
    // Ties on created_at, and times that differ only in the microseconds a JS Date cannot hold.
    const times = [
      "2024-01-01 00:00:00.000001+00",
      "2024-01-01 00:00:00.000002+00",
      "2024-01-01 00:00:00.000002+00",
      "2024-01-01 00:00:01+00",
    ];
    await insertTasks(
      Array.from({ length: 23 }, (_, i) => ({
        type,
        name: `t${i}`,
        createdAt: sql`${times[i % times.length] ?? ""}::timestamptz`,
      })),
    );
    const expected = (
      await pg.sql<{ id: string }[]>`
        select id from tasks where type = ${type} order by created_at desc, id desc`
    ).map((r) => r.id);

    for (const limit of [1, 4, 5, 23, 500]) {
      expect(await allPages({ type, limit })).toEqual(expected);
    }
    const first = await listTasks(pg.db, { type, limit: 23 });
    expect(first.nextCursor).toBeNull();
    expect(first.items[0]).not.toHaveProperty("payload");
  });

  it("filters by state (one or several), type, agent, workflow and name", async () => {
    const type = `filtered-${randomUUID()}`;
    const agentId = randomUUID();
    const [workflow] = await pg.db.insert(workflows).values({ name: "wf" }).returning();
    const [queued, running, failed] = await insertTasks([
      { type, name: "Render frame", state: "queued", workflowId: workflow?.id },
      { type, name: "render audio", state: "running", agentId },
      { type, name: "upload", state: "failed" },
    ]);
    const ids = async (filter: Parameters<typeof listTasks>[1]) =>
      (await listTasks(pg.db, { type, ...filter })).items.map((t) => t.id).sort();

    expect(await ids({ state: "running" })).toEqual([running?.id]);
    expect(await ids({ state: ["queued", "failed"] })).toEqual([queued?.id, failed?.id].sort());
    expect(await ids({ agentId })).toEqual([running?.id]);
    expect(await ids({ workflowId: workflow?.id })).toEqual([queued?.id]);
    expect(await ids({ text: "RENDER" })).toEqual([queued?.id, running?.id].sort());
    expect(await ids({ text: "render", state: "queued" })).toEqual([queued?.id]);
  });

  it("matches % and _ in the text filter literally", async () => {
    const type = `like-${randomUUID()}`;
    const [percent, , underscore] = await insertTasks([
      { type, name: "100% done" },
      { type, name: "100 done" },
      { type, name: "a_b" },
      { type, name: "axb" },
    ]);
    const names = async (text: string) =>
      (await listTasks(pg.db, { type, text })).items.map((t) => t.id);
    expect(await names("%")).toEqual([percent?.id]);
    expect(await names("0% d")).toEqual([percent?.id]);
    expect(await names("a_b")).toEqual([underscore?.id]);
    expect(await names("\\")).toEqual([]);
  });

  it("rejects a cursor it did not make, or one PostgreSQL could not read, naming the field", async () => {
    const forged = (at: string) =>
      Buffer.from(JSON.stringify({ at, id: randomUUID() })).toString("base64url");
    for (const cursor of [
      "not-a-cursor",
      forged("2024-13-45T99:99:99.000000Z"),
      forged("0000-01-01T00:00:00.000000Z"),
    ]) {
      await expect(listTasks(pg.db, { cursor })).rejects.toMatchObject({
        issues: [
          expect.objectContaining({
            path: ["cursor"],
            message: "not a cursor returned by tasks.list",
          }),
        ],
      });
    }
  });
});

describe("getTask, taskEvents, getWorkflow", () => {
  it("returns a task with its edges both ways", async () => {
    const [up, mid, down] = await insertTasks([{ name: "up" }, { name: "mid" }, { name: "down" }]);
    if (!up || !mid || !down) throw new Error("no tasks");
    await pg.db.insert(taskDependencies).values([
      { taskId: mid.id, dependsOnId: up.id },
      { taskId: down.id, dependsOnId: mid.id },
    ]);
    expect(await getTask(pg.db, mid.id)).toMatchObject({
      id: mid.id,
      name: "mid",
      payload: {},
      dependsOn: [up.id],
      dependents: [down.id],
    });
    await expect(getTask(pg.db, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("returns a task's events in order, a page after a given id", async () => {
    const [task, other] = await insertTasks([{ name: "logged" }, { name: "other" }]);
    if (!task || !other) throw new Error("no tasks");
    const inserted = await pg.db
      .insert(events)
      .values([
        { kind: "task.submitted", taskId: task.id },
        { kind: "task.submitted", taskId: other.id },
        { kind: "task.queued", taskId: task.id },
        { kind: "task.started", taskId: task.id },
      ])
      .returning();
    const mine = inserted.filter((e) => e.taskId === task.id).map((e) => e.id);

    const first = await taskEvents(pg.db, { taskId: task.id, limit: 2 });
    expect(first.items.map((e) => e.id)).toEqual(mine.slice(0, 2));
    const rest = await taskEvents(pg.db, { taskId: task.id, afterId: first.nextAfterId ?? 0 });
    expect(rest.items.map((e) => e.kind)).toEqual(["task.started"]);
    expect(rest.nextAfterId).toBeNull();
  });

  it("returns a workflow with its tasks and edges", async () => {
    const [workflow] = await pg.db.insert(workflows).values({ name: "etl" }).returning();
    if (!workflow) throw new Error("no workflow");
    const [extract, load] = await insertTasks([
      { name: "extract", key: "extract", workflowId: workflow.id, state: "running" },
      { name: "load", key: "load", workflowId: workflow.id, state: "blocked", pendingDeps: 1 },
    ]);
    if (!extract || !load) throw new Error("no tasks");
    await pg.db.insert(taskDependencies).values({ taskId: load.id, dependsOnId: extract.id });

    const got = await getWorkflow(pg.db, workflow.id);
    expect(got).toMatchObject({ id: workflow.id, name: "etl" });
    expect(got.tasks.map((t) => [t.key, t.state]).sort()).toEqual([
      ["extract", "running"],
      ["load", "blocked"],
    ]);
    expect(got.edges).toEqual([{ from: extract.id, to: load.id }]);
    expect(got.tasks[0]).toHaveProperty("startedAt");
    expect(got.tasks[0]).toHaveProperty("finishedAt");
    await expect(getWorkflow(pg.db, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
