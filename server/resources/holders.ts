import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { allocations } from "@/db/schema/resources";
import { tasks } from "@/db/schema/tasks";

export interface Holder {
  resource: string;
  taskId: string;
  /** null only if the task row is gone (allocations keep no foreign key, to stay cheap). */
  taskName: string | null;
  agentId: string;
  agentName: string | null;
  leaseEpoch: number;
  amount: number;
  since: Date;
}

/**
 * Open allocations (who holds what since when), oldest first; of the given resources only, when
 * `names` is given. The same rows the claim writes, so every view of usage agrees with it.
 */
export async function openHolders(db: Executor, names?: string[]): Promise<Holder[]> {
  if (names?.length === 0) return [];
  return db
    .select({
      resource: allocations.resource,
      taskId: allocations.taskId,
      taskName: tasks.name,
      agentId: allocations.agentId,
      agentName: agents.name,
      leaseEpoch: allocations.leaseEpoch,
      amount: allocations.amount,
      since: allocations.acquiredAt,
    })
    .from(allocations)
    .leftJoin(tasks, eq(tasks.id, allocations.taskId))
    .leftJoin(agents, eq(agents.id, allocations.agentId))
    .where(
      and(isNull(allocations.releasedAt), names ? inArray(allocations.resource, names) : undefined),
    )
    .orderBy(asc(allocations.acquiredAt), asc(allocations.id));
}
