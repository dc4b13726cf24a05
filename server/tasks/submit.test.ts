import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { taskEvents, tasks } from "@/db/schema/tasks";
import { CHANNELS } from "@/server/events/record";
import { setupTestDatabase } from "@/test/db";
import { deferred } from "@/test/deferred";
import { submitTaskInput } from "./inputs";
import { submitTask } from "./submit";

const pg = setupTestDatabase();
const actor = { tokenId: null };

async function eventsOf(taskId: string) {
  return pg.db
    .select({ kind: taskEvents.kind, toState: taskEvents.toState, data: taskEvents.data })
    .from(taskEvents)
    .where(eq(taskEvents.taskId, taskId))
    .orderBy(taskEvents.id);
}

/**
 * A plain task (no idempotency key, dependencies, resources or concurrency key) is submitted in
 * one round trip on the pool; inside a caller's transaction, in that transaction's statements.
 * Both must write and answer exactly what the other does.
 */
describe("submitTask", () => {
  it("answers with the row the table holds, records task.submitted and announces it, for a plain task", async () => {
    const announced = deferred<string>();
    const listener = await pg.sql.listen(CHANNELS.events, (payload) => announced.resolve(payload));
    try {
      const params = submitTaskInput.parse({
        name: "plain",
        type: "render",
        payload: { frames: [1, 2], note: 'a, "quoted" {text}' },
        priority: 7,
        capabilities: ["gpu", "linux"],
        timeoutS: 30,
        runAt: "2026-12-03T10:00:00.000Z",
      });
      const { task, created } = await submitTask(pg.db, params, actor);
      expect(created).toBe(true);
      const [stored] = await pg.db.select().from(tasks).where(eq(tasks.id, task.id));
      expect(task).toEqual(stored);
      expect(task).toMatchObject({
        state: "queued",
        payload: { frames: [1, 2], note: 'a, "quoted" {text}' },
        capabilities: ["gpu", "linux"],
        runAt: new Date("2026-12-03T10:00:00.000Z"),
      });
      expect(await eventsOf(task.id)).toEqual([
        {
          kind: "task.submitted",
          toState: "queued",
          data: { name: "plain", type: "render", priority: 7 },
        },
      ]);
      const [event] = await pg.db
        .select({ id: taskEvents.id })
        .from(taskEvents)
        .where(eq(taskEvents.taskId, task.id));
      expect(Number(await announced.promise)).toBe(event?.id);
    } finally {
      await listener.unlisten();
    }
  });

  it("starts a task with a waitFor waiting, with its deadline and both events", async () => {
    const params = submitTaskInput.parse({
      name: "gate",
      waitFor: { signal: "approved", timeoutS: 60 },
    });
    const { task } = await submitTask(pg.db, params, actor);
    const [stored] = await pg.db.select().from(tasks).where(eq(tasks.id, task.id));
    expect(task).toEqual(stored);
    expect(task.state).toBe("waiting");
    expect(task.waitDeadline?.getTime()).toBe((task.waitingSince?.getTime() ?? 0) + 60_000);
    expect((await eventsOf(task.id)).map((event) => event.kind)).toEqual([
      "task.submitted",
      "task.waiting",
    ]);
  });

  it("inside a caller's transaction is part of it: rolled back with it, nothing left", async () => {
    const params = submitTaskInput.parse({ name: "rolled back" });
    let id = "";
    await expect(
      pg.db.transaction(async (tx) => {
        ({
          task: { id },
        } = await submitTask(tx, params, actor));
        throw new Error("the caller gives up");
      }),
    ).rejects.toThrow("the caller gives up");
    expect(id).not.toBe("");
    expect(await pg.db.select().from(tasks).where(eq(tasks.id, id))).toEqual([]);
    expect(await eventsOf(id)).toEqual([]);
  });

  it("answers the same row in a caller's transaction as on the pool", async () => {
    const params = submitTaskInput.parse({ name: "same", payload: { n: 1 }, leaseS: 90 });
    const onPool = (await submitTask(pg.db, params, actor)).task;
    const inTransaction = await pg.db.transaction(
      async (tx) => (await submitTask(tx, params, actor)).task,
    );
    const differing = ["id", "createdAt", "updatedAt", "queuedAt", "runAt"] as const;
    const strip = (row: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(row).filter(([key]) => !differing.includes(key as never)));
    expect(strip(onPool)).toEqual(strip(inTransaction));
    const [count] = await pg.db.execute(
      sql`select count(*)::int as n from task_events where task_id in (${onPool.id}, ${inTransaction.id})`,
    );
    expect(count).toEqual({ n: 2 });
  });
});
