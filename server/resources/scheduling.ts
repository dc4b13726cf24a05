import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { findReservations } from "@/server/tasks/reservations";

export interface PoolReservation {
  /** The resource: a pool, or an agent-scoped resource held on `agent`. */
  pool: string;
  /** Agent-scoped resources: the agent whose amount is held (README "Scheduling"). */
  agent: { id: string; name: string } | null;
  taskId: string;
  taskName: string;
  amount: number;
  free: number;
  /** ISO 8601: when the task had waited reserve_after_s. */
  since: string;
  /** ISO 8601: when the reserved amount is sure to be free (holders' timeoutS); null: unknown. */
  sureBy: string | null;
}

export interface ConcurrencyKeyUsage {
  key: string;
  limit: number;
  running: number;
  queued: number;
  /** The running tasks holding the key's slots (at most 20). */
  holders: { id: string; name: string }[];
}

/**
 * What the claim's scheduling holds now: each resource's reservation (a pool's, or an
 * agent-scoped one's on its agent) and each busy key's slots.
 */
export async function schedulingState(
  db: Executor,
  reserveAfterS: number,
): Promise<{ reservations: PoolReservation[]; concurrencyKeys: ConcurrencyKeyUsage[] }> {
  const { reservations } = await findReservations(db, reserveAfterS);
  // Keys with work not finished only: a key's row stays after its last task, for its limit.
  const keys = await queryRows(
    db,
    "concurrency keys in use",
    z.object({
      key: z.string(),
      limit: z.number(),
      running: z.number(),
      queued: z.number(),
      holders: z.array(z.object({ id: z.string(), name: z.string() })),
    }),
    sql`
    select k.key, k."limit", u.running, u.queued, coalesce(h.holders, '[]'::jsonb) as holders
    from concurrency_keys k
    cross join lateral (
      select count(*) filter (where t.state = 'running')::int as running,
        count(*) filter (where t.state = 'queued')::int as queued
      from tasks t where t.concurrency_key = k.key and t.state in ('queued', 'running')
    ) u
    left join lateral (
      select jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name) order by r.started_at) as holders
      from (select id, name, started_at from tasks
        where state = 'running' and concurrency_key = k.key order by started_at limit 20) r
    ) h on true
    where u.running + u.queued > 0
    order by k.key`,
  );
  return {
    reservations: [...reservations.values()].map((r) => ({
      pool: r.pool,
      agent: r.agentId === null ? null : { id: r.agentId, name: r.agentName ?? r.agentId },
      taskId: r.taskId,
      taskName: r.taskName,
      amount: r.amount,
      free: r.free,
      since: r.since,
      sureBy: r.shadowS === null ? null : new Date(r.shadowS * 1000).toISOString(),
    })),
    concurrencyKeys: [...keys],
  };
}
