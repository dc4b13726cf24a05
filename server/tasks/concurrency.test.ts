import { sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { defineAgentResource, definePool, makeAgent } from "@/test/engine";

const pg = setupTestDatabase();
const AGENTS = 8;
const TASKS = 2000;
const pools: Record<string, number> = { gpu: 3, licence: 5 };
const connections: ReturnType<typeof createDatabase>[] = [];
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.sql.end()));
});

/** A deterministic mix: a third need a GPU, some a licence pair, most some agent slots. */
function requirementsOf(i: number): Record<string, number> {
  const requires: Record<string, number> = {};
  if (i % 3 === 0) requires.gpu = 1;
  if (i % 5 === 0) requires.licence = 2;
  if (i % 4 !== 0) requires.slots = 1 + (i % 2);
  return requires;
}

it(`${AGENTS} agents on their own connections run ${TASKS} tasks without ever overcommitting`, async () => {
  for (const [name, capacity] of Object.entries(pools)) await definePool(pg.db, name, capacity);
  await defineAgentResource(pg.db, "slots");
  const params = submitWorkflowInput.parse({
    name: "load",
    tasks: Array.from({ length: TASKS }, (_, i) => ({
      key: `t${i}`,
      name: `t${i}`,
      requires: requirementsOf(i),
    })),
  });
  await submitWorkflow(pg.db, params, { tokenId: null });
  const capacities = new Map<string, number>();

  async function runAgent(index: number) {
    const connection = createDatabase(pg.url, { max: 1, applicationName: `agent-${index}` });
    connections.push(connection);
    const slots = 2 + (index % 3);
    const agent = await makeAgent(connection.db, { name: `agent-${index}`, capacity: { slots } });
    capacities.set(agent.agentId, slots);
    // Hold what was claimed across the next claim, so claims overlap running work.
    let held: { taskId: string; leaseEpoch: number }[] = [];
    for (;;) {
      const claimed = await claimTasks(connection.db, agent.agentId, 3);
      if (held.length > 0) await completeTasks(connection.db, agent, held);
      held = claimed.map((task) => ({ taskId: task.id, leaseEpoch: task.leaseEpoch }));
      if (held.length === 0) {
        const [left] = await connection.db.execute<{ n: number }>(
          sql`select count(*)::int as n from tasks where state in ('queued', 'running', 'blocked')`,
        );
        if (left?.n === 0) return;
      }
    }
  }
  await Promise.all(Array.from({ length: AGENTS }, (_, i) => runAgent(i)));

  const [summary] = await pg.db.execute<{ succeeded: number; total: number; starts: number }>(sql`
    select count(*) filter (where state = 'succeeded')::int as succeeded, count(*)::int as total,
      (select count(*)::int from task_events where kind = 'task.started') as starts
    from tasks`);
  // Every task ran exactly once: one start each, so no task was ever held by two agents.
  expect(summary).toEqual({ succeeded: TASKS, total: TASKS, starts: TASKS });

  // Peak concurrent holding per pool and per (agent, resource), replayed from allocation rows.
  const peaks = await pg.db.execute<{
    resource: string;
    agent_id: string | null;
    peak: number;
  }>(sql`
    with moves as (
      select resource, agent_id, acquired_at as at, amount as delta from allocations
      union all
      select resource, agent_id, released_at, -amount from allocations
    ), running as (
      select resource, agent_id, sum(delta) over (partition by resource, agent_id order by at, delta rows unbounded preceding) as per_agent,
             sum(delta) over (partition by resource order by at, delta rows unbounded preceding) as per_pool
      from moves
    )
    select resource, null as agent_id, max(per_pool)::float8 as peak from running group by resource
    union all
    select resource, agent_id::text, max(per_agent)::float8 from running group by resource, agent_id`);
  let checked = 0;
  for (const row of peaks) {
    if (row.agent_id === null && row.resource in pools) {
      expect(row.peak, `pool ${row.resource}`).toBeLessThanOrEqual(pools[row.resource] ?? 0);
      checked++;
    }
    if (row.agent_id !== null && row.resource === "slots") {
      expect(row.peak, `agent ${row.agent_id}`).toBeLessThanOrEqual(
        capacities.get(row.agent_id) ?? 0,
      );
      checked++;
    }
  }
  expect(checked).toBeGreaterThanOrEqual(2 + AGENTS - 1);
  const [open] = await pg.db.execute<{ n: number; in_use: number }>(sql`
    select (select count(*)::int from allocations where released_at is null) as n,
           (select sum(in_use)::float8 from resources) as in_use`);
  expect(open).toEqual({ n: 0, in_use: 0 });
}, 120_000);
