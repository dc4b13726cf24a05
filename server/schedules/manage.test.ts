import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";
import { scheduleInput } from "./inputs";
import { createSchedule } from "./manage";
import { createScheduleSweep } from "./sweep";

const pg = setupTestDatabase();
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ["orchestrator", "other", "operator", "viewer"] as const) {
    const role = name === "other" ? "orchestrator" : name;
    tokens[name] = (await createToken(pg.db, { name, role })).secret;
  }
});

type Body = {
  result?: { data: Record<string, unknown> };
  error?: { message: string; data: { code: string } };
};
const call = (who: string, path: string, type: "query" | "mutation", input?: unknown) =>
  callProcedure(pg.db, { path: `schedules.${path}`, type, input, token: tokens[who] }) as Promise<{
    status: number;
    body: Body;
  }>;

describe("saving a schedule", () => {
  it("validates the spec exactly as tasks.submit does, naming the field", async () => {
    const { status, body } = await call("orchestrator", "create", "mutation", {
      name: "bad-spec",
      everyS: 60,
      task: { name: "x", priority: 1.5 },
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body.error)).toContain("priority");
  });

  it("refuses a spec requiring a resource that does not exist, as tasks.submit does", async () => {
    const { status, body } = await call("orchestrator", "create", "mutation", {
      name: "no-such-pool",
      everyS: 60,
      task: { name: "x", requires: { no_such_pool: 1 } },
    });
    expect(status).toBe(400);
    expect(body.error?.message).toContain("no_such_pool");
  });

  it("refuses a workflow whose DAG has a cycle", async () => {
    const { status } = await call("orchestrator", "create", "mutation", {
      name: "cycle",
      everyS: 60,
      workflow: {
        name: "w",
        tasks: [
          { key: "a", name: "a", dependsOn: ["b"] },
          { key: "b", name: "b", dependsOn: ["a"] },
        ],
      },
    });
    expect(status).toBe(400);
  });

  it.each([
    [{ cron: "61 * * * *" }, "cron"],
    [{ cron: "* * * * * * *" }, "cron"],
    [{ cron: "0 * * * *", timezone: "Mars/Olympus" }, "timezone"],
    [{ cron: "0 * * * *", everyS: 5 }, "cron"],
    [{}, "cron"],
  ])("refuses %j, naming %s", async (timing, field) => {
    const { status, body } = await call("orchestrator", "create", "mutation", {
      name: "bad-timing",
      task: { name: "x" },
      ...timing,
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body.error)).toContain(field);
  });

  it("refuses a second schedule of the same name with 409", async () => {
    const input = { name: "twice", everyS: 60, task: { name: "x" } };
    expect((await call("orchestrator", "create", "mutation", input)).status).toBe(200);
    expect((await call("operator", "create", "mutation", input)).status).toBe(409);
  });

  it("previews the next fire times in the time zone", async () => {
    const { body } = await call("viewer", "preview", "query", {
      cron: "30 2 * * *",
      timezone: "America/New_York",
      count: 2,
      after: "2026-03-07T12:00:00Z",
    });
    expect(body.result?.data).toEqual({
      fireTimes: ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"],
    });
  });
});

describe("who manages a schedule", () => {
  it("lets an orchestrator manage its own schedules only; operators manage any", async () => {
    const created = await call("orchestrator", "create", "mutation", {
      name: "owned",
      cron: "0 9 * * 1-5",
      timezone: "Europe/Paris",
      task: { name: "report" },
    });
    const id = created.body.result?.data.id;
    expect((await call("other", "pause", "mutation", { id })).status).toBe(403);
    expect((await call("viewer", "pause", "mutation", { id })).status).toBe(403);
    const paused = await call("orchestrator", "pause", "mutation", { id });
    expect(paused.body.result?.data).toMatchObject({ paused: true });
    const updated = await call("operator", "update", "mutation", { id, everyS: 3600 });
    expect(updated.body.result?.data).toMatchObject({ cron: null, everyS: 3600, paused: true });
    expect((await call("viewer", "get", "query", { id })).body.result?.data).toMatchObject({
      name: "owned",
    });
    expect((await call("other", "delete", "mutation", { id })).status).toBe(403);
    expect((await call("orchestrator", "delete", "mutation", { id })).status).toBe(200);
    expect((await call("viewer", "get", "query", { id })).status).toBe(404);
  });

  it("triggers a run now that carries the schedule id and fire time", async () => {
    const created = await call("orchestrator", "create", "mutation", {
      name: "manual",
      everyS: 86_400,
      task: { name: "manual run" },
    });
    const id = created.body.result?.data.id as string;
    const fired = await call("orchestrator", "trigger", "mutation", { id });
    const { taskId, fireAt } = (fired.body.result?.data ?? {}) as {
      taskId: string;
      fireAt: string;
    };
    const [task] = await pg.db.execute<{ schedule_id: string; schedule_fire_at: string }>(
      sql`select schedule_id, schedule_fire_at from tasks where id = ${taskId}`,
    );
    expect(task?.schedule_id).toBe(id);
    expect(new Date(task?.schedule_fire_at ?? 0).toISOString()).toBe(fireAt);
  });
});

describe("overlap policies on the database", () => {
  const admin = { tokenId: null, role: "admin" };
  async function firstTwoFires(name: string, overlap: string) {
    const schedule = await createSchedule(
      pg.db,
      scheduleInput.parse({ name, everyS: 1, overlap, task: { name } }),
      admin,
    );
    const anchor = Date.parse(schedule.createdAt);
    let now = anchor + 1000;
    const sweep = createScheduleSweep({ now: () => new Date(now) });
    await sweep.run(pg.db);
    now += 1000;
    await sweep.run(pg.db);
    return pg.db.execute<{ outcome: string; reason: string | null; state: string | null }>(sql`
      select f.outcome, f.reason, t.state from schedule_fires f
      left join tasks t on t.id = f.task_id
      where f.schedule_id = ${schedule.id} order by f.fire_at`);
  }

  it("skip: the second fire is skipped while the first run is queued", async () => {
    expect(await firstTwoFires("overlap-skip", "skip")).toEqual([
      { outcome: "fired", reason: null, state: "queued" },
      { outcome: "skipped", reason: "previous run unfinished", state: null },
    ]);
  });

  it("cancel_previous: the second fire cancels the first run", async () => {
    expect(await firstTwoFires("overlap-cancel", "cancel_previous")).toEqual([
      { outcome: "fired", reason: null, state: "cancelled" },
      { outcome: "fired", reason: null, state: "queued" },
    ]);
  });

  it("buffer_one: the second fire waits, and runs when the first run ends", async () => {
    const name = "overlap-buffer";
    expect(await firstTwoFires(name, "buffer_one")).toEqual([
      { outcome: "fired", reason: null, state: "queued" },
    ]);
    await pg.db.execute(sql`
      update tasks set state = 'succeeded', finished_at = now()
      where schedule_id = (select id from schedules where name = ${name})`);
    const [schedule] = await pg.db.execute<{ id: string; buffered_fire_at: string }>(
      sql`select id, buffered_fire_at from schedules where name = ${name}`,
    );
    const sweep = createScheduleSweep({ now: () => new Date(schedule?.buffered_fire_at ?? 0) });
    await sweep.run(pg.db);
    const fires = await pg.db.execute<{ outcome: string }>(
      sql`select outcome from schedule_fires where schedule_id = ${schedule?.id}`,
    );
    expect(fires.map((fire) => fire.outcome)).toEqual(["fired", "fired"]);
  });
});

describe("a spec the engine refuses at fire time", () => {
  it("is recorded as a skipped fire with the refusal, and the schedule moves on", async () => {
    await pg.db.execute(
      sql`insert into resources (name, scope, capacity) values ('sched_pool', 'pool', 2)`,
    );
    const schedule = await createSchedule(
      pg.db,
      scheduleInput.parse({
        name: "refused-later",
        everyS: 1,
        overlap: "allow",
        task: { name: "needs the pool", requires: { sched_pool: 2 } },
      }),
      { tokenId: null, role: "admin" },
    );
    const other = await createSchedule(
      pg.db,
      scheduleInput.parse({
        name: "fine-neighbour",
        everyS: 1,
        overlap: "allow",
        task: { name: "ok" },
      }),
      { tokenId: null, role: "admin" },
    );
    // The pool shrank since the schedule was saved: the spec asks more than it will ever have.
    await pg.db.execute(sql`update resources set capacity = 1 where name = 'sched_pool'`);
    const at = Math.max(Date.parse(schedule.createdAt), Date.parse(other.createdAt)) + 1000;
    await createScheduleSweep({ now: () => new Date(at) }).run(pg.db);

    const fires = await pg.db.execute<{ name: string; outcome: string; reason: string | null }>(sql`
      select s.name, f.outcome, f.reason from schedule_fires f join schedules s on s.id = f.schedule_id
      where s.name in ('refused-later', 'fine-neighbour') order by s.name`);
    expect(fires.map((fire) => [fire.name, fire.outcome])).toEqual([
      ["fine-neighbour", "fired"],
      ["refused-later", "skipped"],
    ]);
    expect(fires[1]?.reason).toMatch(/^submit refused: .*sched_pool/);
    const [row] = await pg.db.execute<{ next_fire_at: string }>(
      sql`select next_fire_at from schedules where id = ${schedule.id}`,
    );
    expect(Date.parse(row?.next_fire_at ?? "")).toBeGreaterThan(at);
  });
});
