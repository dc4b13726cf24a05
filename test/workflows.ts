import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { Database } from "@/db/client";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { makeAgent } from "./engine";

export interface DagTask {
  key: string;
  dependsOn?: string[];
  type?: string;
  requires?: Record<string, number>;
  triggerRule?: "all_success" | "all_done";
  maxAttempts?: number;
}

/**
 * Submits a workflow whose tasks need a capability of their own, and makes an agent with it:
 * the agent claims only this workflow's tasks, whatever other tests of the file left queued.
 */
export async function dagWithAgent(
  db: Database,
  tasks: DagTask[],
  options: { tokenId?: string | null; name?: string; capacity?: Record<string, number> } = {},
) {
  const capability = `cap-${randomUUID()}`;
  const input = submitWorkflowInput.parse({
    name: options.name ?? `dag ${capability}`,
    tasks: tasks.map((task) => ({
      name: task.key,
      capabilities: [capability],
      ...task,
    })),
  });
  const { workflow, tasks: rows } = await submitWorkflow(db, input, {
    tokenId: options.tokenId ?? null,
  });
  const ids: Record<string, string> = {};
  for (const row of rows) if (row.key) ids[row.key] = row.id;
  const agent = await makeAgent(db, { capabilities: [capability], capacity: options.capacity });
  const claim = (max = 100, on: Database = db) => claimTasks(on, agent.agentId, max);
  return { workflowId: workflow.id, ids, agent, capability, claim };
}

export async function succeed(
  db: Database,
  agent: { agentId: string; tokenId: string },
  claimed: { id: string; leaseEpoch: number }[],
) {
  return completeTasks(
    db,
    { ...agent, isAdmin: false },
    claimed.map((task) => ({
      taskId: task.id,
      leaseEpoch: task.leaseEpoch,
      result: { ok: task.id },
    })),
  );
}

export async function failForGood(
  db: Database,
  agent: { agentId: string; tokenId: string },
  claimed: { id: string; leaseEpoch: number }[],
) {
  return failTasks(
    db,
    { ...agent, isAdmin: false },
    claimed.map((task) => ({
      taskId: task.id,
      leaseEpoch: task.leaseEpoch,
      error: "boom",
      retryable: false,
    })),
  );
}

export async function statesOf(db: Database, workflowId: string): Promise<Record<string, string>> {
  const rows = await db.execute<{ key: string; state: string }>(
    sql`select key, state from tasks where workflow_id = ${workflowId}`,
  );
  return Object.fromEntries(rows.map((row) => [row.key, row.state]));
}

/**
 * The engine's invariants over the whole database: each blocked task's counter equals its
 * upstream tasks still to wait for, no blocked or queued task waits on an upstream whose bad end
 * should have cancelled it, only running tasks hold allocations, and each pool's in_use is the
 * sum of its open allocations.
 */
export async function expectInvariants(db: Database) {
  const wrongCounters = await db.execute(sql`
    select t.id, t.pending_deps, count(u.id) filter (where
      case when t.trigger_rule = 'all_success' then u.state <> 'succeeded'
        else u.state in ('blocked', 'queued', 'running') end)::int as expected
    from tasks t
    left join task_dependencies td on td.task_id = t.id
    left join tasks u on u.id = td.depends_on_id
    where t.state = 'blocked'
    group by t.id
    having t.pending_deps <> count(u.id) filter (where
      case when t.trigger_rule = 'all_success' then u.state <> 'succeeded'
        else u.state in ('blocked', 'queued', 'running') end)`);
  expect(wrongCounters, "blocked tasks with a wrong pending_deps").toEqual([]);
  const doomed = await db.execute(sql`
    select t.id, t.state from tasks t
    join task_dependencies td on td.task_id = t.id
    join tasks u on u.id = td.depends_on_id
    where t.state in ('blocked', 'queued', 'running') and t.trigger_rule = 'all_success'
      and u.state in ('failed', 'cancelled')`);
  expect(doomed, "unfinished tasks behind a failed or cancelled upstream").toEqual([]);
  const early = await db.execute(sql`
    select t.id from tasks t
    join task_dependencies td on td.task_id = t.id
    join tasks u on u.id = td.depends_on_id
    where t.state in ('queued', 'running') and u.state in ('blocked', 'queued', 'running')`);
  expect(early, "tasks started before their upstream ended").toEqual([]);
  const leaked = await db.execute(sql`
    select a.task_id from allocations a join tasks t on t.id = a.task_id
    where a.released_at is null and (t.state <> 'running' or a.lease_epoch <> t.lease_epoch)`);
  expect(leaked, "open allocations of tasks not running").toEqual([]);
  const pools = await db.execute(sql`
    select p.name, p.in_use, coalesce(sum(a.amount), 0)::float8 as held from resources p
    left join allocations a on a.resource = p.name and a.released_at is null
    where p.scope = 'pool' group by p.name, p.in_use
    having p.in_use <> coalesce(sum(a.amount), 0)`);
  expect(pools, "pools whose in_use is not their open allocations").toEqual([]);
}
