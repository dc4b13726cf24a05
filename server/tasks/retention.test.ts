import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { dagWithAgent, succeed } from "@/test/workflows";
import { claimTasks } from "./claim";
import { pruneFinishedTasks } from "./retention";
import { uuidArray } from "./sql";

const pg = setupTestDatabase();
const params = { tasksDays: 30, batch: 100, maxBatches: 10 };

/** Moves a task's end (and its run's start) `days` into the past, as time would. */
async function age(taskIds: string[], days: number) {
  await pg.db.execute(sql`
    update tasks set finished_at = now() - make_interval(days => ${days}),
      created_at = now() - make_interval(days => ${days + 1})
    where id = any(${uuidArray(taskIds)})`);
  await pg.db.execute(sql`
    update workflows set created_at = now() - make_interval(days => ${days + 1})
    where id in (select workflow_id from tasks where id = any(${uuidArray(taskIds)}))`);
}

/** A standalone task run to success through the engine, with a log line. */
async function finishedTask(spec: { dependsOn?: string[]; parentTaskId?: string } = {}) {
  const capability = `cap-${randomUUID()}`;
  const agent = await makeAgent(pg.db, { capabilities: [capability] });
  const task = await submit(pg.db, { capabilities: [capability], ...spec });
  const claimed = await claimTasks(pg.db, agent.agentId, 1);
  await succeed(pg.db, agent, claimed);
  await pg.db.execute(sql`
    insert into task_logs (task_id, seq, attempt, level, message, at)
    values (${task.id}, 1, 1, 'info', 'hello', now())`);
  await pg.db.execute(sql`insert into task_log_state (task_id, attempt) values (${task.id}, 1)`);
  return task.id;
}

/** A two-task run (b after a), both run to success. */
async function finishedRun() {
  const run = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
  await succeed(pg.db, run.agent, await run.claim());
  await succeed(pg.db, run.agent, await run.claim());
  return run;
}

async function exists(table: "tasks" | "workflows", id: string) {
  const [row] = await pg.db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${sql.identifier(table)} where id = ${id}`,
  );
  return row?.n === 1;
}

async function rowsAbout(taskIds: string[]) {
  const [row] = await pg.db.execute<{ events: number; logs: number; states: number; deps: number }>(
    sql`select
      (select count(*) from task_events where task_id = any(${uuidArray(taskIds)}))::int as events,
      (select count(*) from task_logs where task_id = any(${uuidArray(taskIds)}))::int as logs,
      (select count(*) from task_log_state where task_id = any(${uuidArray(taskIds)}))::int as states,
      (select count(*) from task_dependencies where task_id = any(${uuidArray(taskIds)})
        or depends_on_id = any(${uuidArray(taskIds)}))::int as deps`,
  );
  return row;
}

describe("pruneFinishedTasks", () => {
  it("deletes old finished tasks with their events and logs, keeps recent and unfinished ones", async () => {
    const old = await finishedTask();
    const recent = await finishedTask();
    const queued = (await submit(pg.db, { capabilities: [`cap-${randomUUID()}`] })).id;
    await age([old], 31);
    await age([recent], 29);
    // Unfinished whatever its age.
    await pg.db.execute(
      sql`update tasks set created_at = now() - interval '90 days' where id = ${queued}`,
    );

    const report = await pruneFinishedTasks(pg.db, params);

    expect(report).toMatchObject({ tasks: 1, workflows: 0, more: false });
    expect(await exists("tasks", old)).toBe(false);
    expect(await rowsAbout([old])).toEqual({ events: 0, logs: 0, states: 0, deps: 0 });
    expect(await exists("tasks", recent)).toBe(true);
    expect(await rowsAbout([recent])).toMatchObject({ logs: 1, states: 1 });
    expect(await exists("tasks", queued)).toBe(true);
  });

  it("deletes a finished run whole, and keeps a run with a task unfinished or ended recently", async () => {
    const done = await finishedRun();
    await age(Object.values(done.ids), 40);
    const active = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    await succeed(pg.db, active.agent, await active.claim());
    await age([active.ids.a ?? ""], 40); // b is still queued
    const lately = await finishedRun();
    await age([lately.ids.a ?? ""], 40);
    await age([lately.ids.b ?? ""], 2);

    const report = await pruneFinishedTasks(pg.db, params);

    expect(report).toMatchObject({ tasks: 2, workflows: 1 });
    expect(await exists("workflows", done.workflowId)).toBe(false);
    const doneIds = Object.values(done.ids);
    expect(await rowsAbout(doneIds)).toEqual({ events: 0, logs: 0, states: 0, deps: 0 });
    const [runEvents] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from task_events
        where workflow_id = ${done.workflowId} and task_id is not null`,
    );
    expect(runEvents?.n).toBe(0);
    for (const run of [active, lately]) {
      expect(await exists("workflows", run.workflowId)).toBe(true);
      for (const id of Object.values(run.ids)) expect(await exists("tasks", id)).toBe(true);
    }
  });

  it("keeps a finished task a live task depends on, until that one ends too", async () => {
    const upstream = await finishedTask();
    const gate = (await submit(pg.db, { capabilities: [`cap-${randomUUID()}`] })).id;
    const dependent = await submit(pg.db, { dependsOn: [upstream, gate] });
    expect(dependent.state).toBe("blocked");
    const run = await finishedRun();
    await submit(pg.db, { dependsOn: [run.ids.b ?? "", gate] });
    await age([upstream, ...Object.values(run.ids)], 60);

    expect(await pruneFinishedTasks(pg.db, params)).toMatchObject({ tasks: 0, workflows: 0 });
    expect(await exists("tasks", upstream)).toBe(true);
    expect(await exists("workflows", run.workflowId)).toBe(true);

    await pg.db.execute(sql`
      update tasks set state = 'cancelled', finished_at = now() - interval '60 days'
      where id in (${gate}, ${dependent.id})
        or id in (select task_id from task_dependencies where depends_on_id = ${gate})`);
    const report = await pruneFinishedTasks(pg.db, params);
    expect(report.workflows).toBe(1);
    expect(await exists("tasks", upstream)).toBe(false);
  });

  it("keeps a subtask while its parent runs", async () => {
    const capability = `cap-${randomUUID()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const parent = await submit(pg.db, { capabilities: [capability] });
    await claimTasks(pg.db, agent.agentId, 1);
    const child = await finishedTask({ parentTaskId: parent.id });
    await age([child], 60);

    expect((await pruneFinishedTasks(pg.db, params)).tasks).toBe(0);
    expect(await exists("tasks", child)).toBe(true);
  });

  it("skips rows another transaction holds instead of waiting, and takes them later", async () => {
    const held = await finishedTask();
    const free = await finishedTask();
    const run = await finishedRun();
    await age([held, free, ...Object.values(run.ids)], 60);

    // A submission making a new task depend on these holds them (its foreign key check) the
    // way this lock does: pruning must neither wait for it nor delete under it.
    await pg.sql.begin(async (tx) => {
      await tx`select 1 from tasks where id in (${held}, ${run.ids.a ?? ""}) for key share`;
      const report = await pruneFinishedTasks(pg.db, params);
      expect(report).toMatchObject({ tasks: 1, workflows: 0 });
    });
    expect(await exists("tasks", held)).toBe(true);
    expect(await exists("tasks", free)).toBe(false);
    expect(await exists("workflows", run.workflowId)).toBe(true);

    expect(await pruneFinishedTasks(pg.db, params)).toMatchObject({ tasks: 3, workflows: 1 });
    expect(await exists("tasks", held)).toBe(false);
  });

  it("deletes in batches and says when more remain", async () => {
    const ids = [await finishedTask(), await finishedTask(), await finishedTask()];
    const runs = [await finishedRun(), await finishedRun()];
    await age([...ids, ...runs.flatMap((run) => Object.values(run.ids))], 60);

    // A batch of 2 tasks: one run per batch, one batch allowed.
    const first = await pruneFinishedTasks(pg.db, { ...params, batch: 2, maxBatches: 1 });
    expect(first).toEqual({ tasks: 2, workflows: 1, more: true });
    const rest = await pruneFinishedTasks(pg.db, { ...params, batch: 2, maxBatches: 10 });
    expect(rest).toEqual({ tasks: 5, workflows: 1, more: false });
  });
});
