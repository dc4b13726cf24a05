import { sql, TransactionRollbackError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Transaction } from "@/db/client";
import type { Principal } from "@/server/auth/roles";
import { type ClaimedTask, claimInTransaction, claimTasks } from "@/server/tasks/claim";
import { claimReleased } from "@/server/tasks/claim-released";
import { completeAndClaim } from "@/server/tasks/complete-and-claim";
import type { LeaseCaller } from "@/server/tasks/fencing";
import { completeWithin } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, definePool, makeAgent, principalOf, submit } from "@/test/engine";

const pg = setupTestDatabase();

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${++counter}`;

/** A parent and its children (each spec merged into a child), in one workflow. */
async function parentAndChildren(capability: string, children: Record<string, unknown>[]) {
  const params = submitWorkflowInput.parse({
    name: unique("released"),
    tasks: [
      { key: "parent", name: "parent", capabilities: [capability] },
      ...children.map((child, i) => ({
        key: `child${i}`,
        name: `child${i}`,
        capabilities: [capability],
        dependsOn: ["parent"],
        ...child,
      })),
    ],
  });
  const { tasks, workflow } = await submitWorkflow(pg.db, params, { tokenId: null });
  const id = (key: string) => tasks.find((task) => task.key === key)?.id ?? "";
  return {
    workflowId: workflow.id,
    parent: id("parent"),
    children: children.map((_, i) => id(`child${i}`)),
  };
}

/** The comparable part of a claimed task (lease times differ by when each statement ran). */
const shape = (task: ClaimedTask) => ({ ...task, leaseExpiresAt: undefined });

/** Runs `claim` in a savepoint rolled back after, so the next claim sees the same queue. */
async function tryClaim<T>(tx: Transaction, claim: (savepoint: Transaction) => Promise<T>) {
  let result: T | undefined;
  await tx
    .transaction(async (savepoint) => {
      result = await claim(savepoint);
      const [started] = await savepoint.execute<{ n: number }>(
        sql`select count(*)::int as n from task_events where kind = 'task.started'`,
      );
      events = started?.n ?? 0;
      savepoint.rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
    });
  return result as T;
}
let events = 0;

/**
 * Completes `parent` in a transaction (rolled back at the end), then claims for `agent` with
 * the fast path and, separately, with the general claim: both from the same queue.
 */
async function bothClaims(
  agent: LeaseCaller,
  parent: string,
  options: { max?: number; principal?: Principal; before?: () => Promise<void> } = {},
) {
  const lease = await claimOnly(pg.db, agent.agentId, parent);
  await options.before?.();
  const max = options.max ?? 10;
  const principal = options.principal ?? principalOf(agent);
  let fast: ClaimedTask[] | null = null;
  let general: ClaimedTask[] = [];
  let fastEvents = 0;
  let generalEvents = 0;
  await pg.db
    .transaction(async (tx) => {
      const { settled } = await completeWithin(
        tx,
        agent,
        [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
        "defer",
      );
      fast = await tryClaim(tx, (sp) =>
        claimReleased(sp, agent.agentId, settled.readied, max, principal),
      );
      fastEvents = events;
      general = await tryClaim(tx, (sp) =>
        claimInTransaction(sp, agent.agentId, max, principal).catch(() => []),
      );
      generalEvents = events;
      tx.rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
    });
  return { fast: fast as ClaimedTask[] | null, general, fastEvents, generalEvents };
}

describe("claimReleased (a completion's own releases, when they are the whole queue)", () => {
  it("claims a chain's next task exactly as the general claim would, events included", async () => {
    const capability = unique("cap");
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, children } = await parentAndChildren(capability, [{}]);

    const { fast, general, fastEvents, generalEvents } = await bothClaims(agent, parent);

    expect(fast?.map((task) => task.id)).toEqual(children);
    expect(fast?.map(shape)).toEqual(general.map(shape));
    expect(fastEvents).toBe(generalEvents);
  });

  it("claims several released children in the general claim's order (priority, then first queued)", async () => {
    const capability = unique("cap");
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent } = await parentAndChildren(capability, [
      { priority: 1 },
      { priority: 5 },
      { priority: 1 },
      { priority: 3 },
    ]);

    const { fast, general } = await bothClaims(agent, parent);

    expect(fast).not.toBeNull();
    expect(fast?.map(shape)).toEqual(general.map(shape));
  });

  it("completeAndClaim hands the child back through it, the lease a real one", async () => {
    const capability = unique("cap");
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, children } = await parentAndChildren(capability, [{}]);
    const lease = await claimOnly(pg.db, agent.agentId, parent);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
      { max: 1, principal: principalOf(agent) },
    );

    expect(done.tasks.map((task) => task.id)).toEqual(children);
    const [row] = await pg.db.execute<{ state: string; agent_id: string; lease_epoch: number }>(
      sql`select state, agent_id, lease_epoch from tasks where id = ${children[0] ?? ""}`,
    );
    expect(row).toEqual({
      state: "running",
      agent_id: agent.agentId,
      lease_epoch: done.tasks[0]?.leaseEpoch,
    });
  });

  it("steps aside when the released tasks are in two fair-share groups (their order is the policy's)", async () => {
    const capability = unique("cap");
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const first = await parentAndChildren(capability, [{}]);
    const second = await parentAndChildren(capability, [{}]);
    await pg.db.execute(
      sql`update tasks set state = 'cancelled' where state = 'queued' and id not in (${first.parent}, ${second.parent})`,
    );
    const leases = await claimTasks(pg.db, agent.agentId, 2);
    expect(leases.map((lease) => lease.id).sort()).toEqual([first.parent, second.parent].sort());

    let fast: ClaimedTask[] | null = [];
    await pg.db
      .transaction(async (tx) => {
        const { settled } = await completeWithin(
          tx,
          agent,
          leases.map((lease) => ({ taskId: lease.id, leaseEpoch: lease.leaseEpoch })),
          "defer",
        );
        expect(settled.readied).toHaveLength(2);
        fast = await claimReleased(tx, agent.agentId, settled.readied, 10, principalOf(agent));
        tx.rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });

    expect(fast).toBeNull();
  });

  // Each case: the fast path steps aside (null) and the general claim decides.
  const declines: [string, (ctx: Ctx) => Promise<Partial<Options>>][] = [
    [
      "another task is queued, even of lower priority in another workflow",
      async ({ capability }) => ({
        before: async () => {
          await submit(pg.db, { name: "other", capabilities: [capability], priority: -5 });
        },
      }),
    ],
    [
      "another task is queued that this agent could not run",
      async () => ({
        before: async () => {
          await submit(pg.db, { name: "other", capabilities: [unique("elsewhere")] });
        },
      }),
    ],
    ["a released task needs a capability the agent lacks", async () => ({ lacking: true })],
    [
      "the agent is quarantined",
      async ({ agent }) => ({
        before: async () => {
          await pg.db.execute(sql`
            insert into agent_health (agent_id, quarantined_until, quarantined_at, quarantine_reason)
            values (${agent.agentId}, now() + interval '1 hour', now(), 'test')`);
        },
      }),
    ],
    [
      "the agent is draining",
      async ({ agent }) => ({
        before: async () => {
          await pg.db.execute(
            sql`update agents set status = 'draining' where id = ${agent.agentId}`,
          );
        },
      }),
    ],
    ["the workflow is paused", async () => ({ pause: true })],
    [
      "a released task needs a pool",
      async () => {
        const pool = unique("pool").replaceAll("-", "_");
        await definePool(pg.db, pool, 10);
        return { child: { requires: { [pool]: 1 } } };
      },
    ],
    [
      "a released task has a concurrency key",
      async () => ({ child: { concurrency: { key: unique("key"), limit: 5 } } }),
    ],
    ["more tasks were released than the claim may take", async () => ({ max: 1, children: 2 })],
    ["the retry of a released task avoids this agent", async () => ({ avoid: true })],
    [
      "the token does not own the agent",
      async () => {
        const stranger = await makeAgent(pg.db);
        return { principal: principalOf(stranger) };
      },
    ],
  ];

  type Ctx = { capability: string; agent: LeaseCaller };
  type Options = {
    before: () => Promise<void>;
    lacking: boolean;
    pause: boolean;
    child: Record<string, unknown>;
    max: number;
    children: number;
    avoid: boolean;
    principal: Principal;
  };

  for (const [reason, setup] of declines) {
    it(`steps aside when ${reason}`, async () => {
      const capability = unique("cap");
      const agent = await makeAgent(pg.db, { capabilities: [capability] });
      const options = await setup({ capability, agent });
      const child = {
        ...(options.lacking ? { capabilities: [capability, unique("gpu")] } : {}),
        ...options.child,
      };
      const { parent, children, workflowId } = await parentAndChildren(
        capability,
        Array.from({ length: options.children ?? 1 }, () => child),
      );
      const before = async () => {
        await options.before?.();
        if (options.pause)
          await pg.db.execute(sql`update workflows set paused_at = now() where id = ${workflowId}`);
        if (options.avoid)
          await pg.db.execute(
            sql`update tasks set retry_avoid_agent_id = ${agent.agentId} where id = any(${`{${children.join(",")}}`}::uuid[])`,
          );
      };

      const { fast } = await bothClaims(agent, parent, {
        before,
        max: options.max,
        principal: options.principal,
      });

      expect(fast).toBeNull();
    });
  }
});
