import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import type { tasks } from "@/db/schema/tasks";
import { fairGroup } from "./claim-order";
import { backfillAllowed, findReservations } from "./reservations";
import type { SchedulingPolicy } from "./scheduling-policy";

type Task = typeof tasks.$inferSelect;

/** The scheduling side of "why is it waiting" (README "Scheduling"). */
export type SchedulingWaitReason = { message: string } & (
  | {
      kind: "reservation_held";
      pool: string;
      /** Agent-scoped resources: the agent whose amount is held; null for a pool. */
      agent: { id: string; name: string } | null;
      amount: number;
      free: number;
      since: string;
      sureBy: string | null;
    }
  | {
      kind: "reserved_for_other";
      pool: string;
      agent: { id: string; name: string } | null;
      taskId: string;
      taskName: string;
      amount: number;
      free: number;
      since: string;
    }
  | {
      kind: "concurrency_limit";
      key: string;
      limit: number;
      running: { id: string; name: string }[];
    }
  | { kind: "fair_share"; fairness: "workflow" | "submitter"; ahead: number }
);

/** Reservations, concurrency keys and the fair-share rotation, as a claim would apply them now. */
export async function schedulingReasons(
  db: Executor,
  task: Task,
  policy: SchedulingPolicy,
): Promise<SchedulingWaitReason[]> {
  const reasons: SchedulingWaitReason[] = [];
  const pools = Object.keys(task.requires);
  if (pools.length > 0) {
    const { reservations, nowS } = await findReservations(db, policy.reserveAfterS, pools);
    for (const r of reservations.values()) {
      const free = formatAmount(r.free);
      const agent = r.agentId === null ? null : { id: r.agentId, name: r.agentName ?? r.agentId };
      const on = agent ? ` on agent ${agent.name}` : "";
      if (r.taskId === task.id) {
        const sure = r.shadowS === null ? "" : `, sure to fit by ${isoOf(r.shadowS)}`;
        reasons.push({
          kind: "reservation_held",
          pool: r.pool,
          agent,
          amount: r.amount,
          free: r.free,
          since: r.since,
          sureBy: r.shadowS === null ? null : isoOf(r.shadowS),
          message: `reserved ${formatAmount(r.amount)} of ${r.pool}${on} since ${r.since}, ${free} free${sure}: freed capacity goes to this task first`,
        });
      } else if (!backfillAllowed(r, task.requires[r.pool] ?? 0, task.timeoutS, nowS)) {
        reasons.push({
          kind: "reserved_for_other",
          pool: r.pool,
          agent,
          taskId: r.taskId,
          taskName: r.taskName,
          amount: r.amount,
          free: r.free,
          since: r.since,
          message: `${formatAmount(r.amount)} of ${r.pool}${on} reserved for "${r.taskName}" since ${r.since}, ${free} free: this task could delay it${agent ? " there" : ""} (only a task whose timeoutS ends before the reserved amount is sure to be free, or that fits beside the reservation, may go first)`,
        });
      }
    }
  }
  if (task.concurrencyKey) {
    const running = await queryRows(
      db,
      "running holders of a key",
      z.object({ id: z.string(), name: z.string() }),
      sql`
      select id, name from tasks where state = 'running' and concurrency_key = ${task.concurrencyKey}
      order by started_at`,
    );
    const [key] = await queryRows(
      db,
      "limit of a key",
      z.object({ limit: z.number() }),
      sql`select "limit" from concurrency_keys where key = ${task.concurrencyKey}`,
    );
    const limit = key?.limit ?? task.concurrencyLimit ?? 0;
    if (running.length >= limit) {
      const names = running.slice(0, 5).map((t) => `"${t.name}"`);
      const more = running.length > 5 ? ` and ${running.length - 5} more` : "";
      reasons.push({
        kind: "concurrency_limit",
        key: task.concurrencyKey,
        limit,
        running: [...running],
        message: `concurrency key ${task.concurrencyKey} at its limit (${running.length} running: ${names.join(", ")}${more})`,
      });
    }
  }
  if (policy.fairness !== "fifo" && task.state === "queued") {
    const ahead = await groupsAhead(db, task, policy.fairness);
    if (ahead > 0) {
      const noun = policy.fairness === "workflow" ? "workflow" : "submitter";
      reasons.push({
        kind: "fair_share",
        fairness: policy.fairness,
        ahead,
        message: `${ahead} ${noun}${ahead === 1 ? " is" : "s are"} ahead in the fair-share rotation (fewer tasks running, or as many and waiting longer)`,
      });
    }
  }
  return reasons;
}

/**
 * Groups at the task's priority with claimable-looking work that the rotation serves first:
 * fewer running tasks, or as many and an older first queued task (the claim's ranking).
 */
async function groupsAhead(
  db: Executor,
  task: Task,
  fairness: "workflow" | "submitter",
): Promise<number> {
  const group = fairGroup(fairness, "t");
  const [row] = await queryRows(
    db,
    "fair-share rank",
    z.object({ n: z.number() }),
    sql`
    with queued as (
      select ${group} as grp, min(t.queued_at) as first from tasks t
      where t.state = 'queued' and t.priority = ${task.priority} and t.run_at <= now()
      group by 1
    ), running as (
      select ${group} as grp, count(*)::int as n from tasks t where t.state = 'running' group by 1
    ), ranked as (
      select q.grp, coalesce(r.n, 0) as n, q.first from queued q left join running r using (grp)
    ), mine as (
      select r.* from ranked r join tasks t on ${group} = r.grp where t.id = ${task.id}
    )
    select count(*)::int as n from ranked o, mine m
    where o.grp <> m.grp and (o.n < m.n or (o.n = m.n and o.first < m.first))`,
  );
  return row?.n ?? 0;
}

function isoOf(epochS: number): string {
  return new Date(epochS * 1000).toISOString();
}

function formatAmount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
