import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";
import type { ScheduleDetail } from "./details";
import { scheduleInput } from "./inputs";
import { createSchedule, listSchedules } from "./manage";
import { createScheduleSweep } from "./sweep";

const pg = setupTestDatabase();
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ["orchestrator", "other", "operator", "viewer"] as const) {
    const role = name === "other" ? "orchestrator" : name;
    tokens[name] = (await createToken(pg.db, { name, role })).secret;
  }
});

async function call<T>(who: string, path: string, type: "query" | "mutation", input?: unknown) {
  const { status, data } = await callProcedure<T>(pg.db, {
    path: `schedules.${path}`,
    type,
    input,
    token: tokens[who],
  });
  return { status, data };
}

const list = async (who: string) =>
  (await call<{ items: ScheduleDetail[] }>(who, "list", "query", { limit: 100 })).data.items;

describe("the list and get show what a schedule page needs", () => {
  it("gives the next five fire times, none while paused", async () => {
    const created = await call<ScheduleDetail>("orchestrator", "create", "mutation", {
      name: "details-paris",
      cron: "30 2 * * *",
      timezone: "Europe/Paris",
      startAt: "2031-03-29T00:00:00Z",
      task: { name: "nightly" },
    });
    expect(created.status).toBe(200);
    const { data } = await call<ScheduleDetail>("viewer", "get", "query", {
      id: created.data.id,
    });
    // 30 March 2031 is spring-forward day in Paris: 02:30 does not exist and runs at 03:00.
    expect(data.upcoming).toEqual([
      "2031-03-29T01:30:00.000Z",
      "2031-03-30T01:00:00.000Z",
      "2031-03-31T00:30:00.000Z",
      "2031-04-01T00:30:00.000Z",
      "2031-04-02T00:30:00.000Z",
    ]);
    await call("orchestrator", "pause", "mutation", { id: created.data.id });
    const paused = await call<ScheduleDetail>("viewer", "get", "query", { id: created.data.id });
    expect(paused.data.upcoming).toEqual([]);
  });

  it("gives the latest fires with their runs' states, newest first", async () => {
    const task = await call<ScheduleDetail>("operator", "create", "mutation", {
      name: "details-task",
      everyS: 86_400,
      task: { name: "daily task" },
    });
    const workflow = await call<ScheduleDetail>("operator", "create", "mutation", {
      name: "details-workflow",
      everyS: 86_400,
      workflow: { name: "daily run", tasks: [{ key: "a", name: "a" }] },
    });
    const first = await call<{ taskId: string }>("operator", "trigger", "mutation", {
      id: task.data.id,
    });
    await pg.db.execute(sql`update tasks set state = 'cancelled' where id = ${first.data.taskId}`);
    const second = await call<{ taskId: string }>("operator", "trigger", "mutation", {
      id: task.data.id,
    });
    const run = await call<{ workflowId: string }>("operator", "trigger", "mutation", {
      id: workflow.data.id,
    });

    const items = await list("viewer");
    const byName = new Map(items.map((item) => [item.name, item]));
    expect(byName.get("details-task")?.recentFires).toEqual([
      expect.objectContaining({ taskId: second.data.taskId, outcome: "fired", state: "queued" }),
      expect.objectContaining({ taskId: first.data.taskId, outcome: "fired", state: "cancelled" }),
    ]);
    expect(byName.get("details-workflow")?.recentFires).toEqual([
      {
        fireAt: expect.any(String),
        outcome: "fired",
        reason: null,
        taskId: null,
        workflowId: run.data.workflowId,
        state: "running",
      },
    ]);
  });

  it("shows a skipped fire with its reason, and only the latest five", async () => {
    const admin = { tokenId: null, role: "admin" };
    const schedule = await createSchedule(
      pg.db,
      scheduleInput.parse({ name: "details-skip", everyS: 1, task: { name: "skip me" } }),
      admin,
    );
    let now = Date.parse(schedule.createdAt);
    const sweep = createScheduleSweep({ now: () => new Date(now) });
    for (let i = 0; i < 7; i++) {
      now += 1000;
      await sweep.run(pg.db);
    }
    const { items } = await listSchedules(pg.db, { limit: 100 }, admin);
    const fires = items.find((item) => item.name === "details-skip")?.recentFires ?? [];
    expect(fires).toHaveLength(5);
    expect(fires[0]).toMatchObject({ outcome: "skipped", reason: "previous run unfinished" });
    expect(fires.map((fire) => Date.parse(fire.fireAt))).toEqual(
      [7, 6, 5, 4, 3].map((s) => Date.parse(schedule.createdAt) + s * 1000),
    );
  });

  it("says whether the caller may manage each schedule", async () => {
    await call("orchestrator", "create", "mutation", {
      name: "details-owned",
      everyS: 3600,
      task: { name: "owned" },
    });
    const manages = async (who: string) =>
      (await list(who)).find((item) => item.name === "details-owned")?.canManage;
    expect(await manages("orchestrator")).toBe(true);
    expect(await manages("other")).toBe(false);
    expect(await manages("operator")).toBe(true);
    expect(await manages("viewer")).toBe(false);
  });

  it("records a schedule.changed event for each change, for pages and other instances", async () => {
    const created = await call<ScheduleDetail>("operator", "create", "mutation", {
      name: "details-events",
      everyS: 3600,
      task: { name: "events" },
    });
    const id = created.data.id;
    await call("operator", "pause", "mutation", { id });
    await call("operator", "update", "mutation", { id, everyS: 60 });
    await call("operator", "delete", "mutation", { id });
    const events = await pg.db.execute<{ change: string; paused: boolean }>(sql`
      select data->>'change' as change, (data->>'paused')::boolean as paused from task_events
      where kind = 'schedule.changed' and data->>'scheduleId' = ${id} order by id`);
    expect(events).toEqual([
      { change: "created", paused: false },
      { change: "updated", paused: true },
      { change: "updated", paused: true },
      { change: "deleted", paused: true },
    ]);
  });
});
