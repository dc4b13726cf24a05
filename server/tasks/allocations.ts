import { and, inArray, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { allocations, resources } from "@/db/schema/resources";

/**
 * Closes the open allocations of these tasks and gives pool capacity back, in the caller's
 * transaction (the one that ends the attempt). Allocation rows stay, with released_at, as the
 * history the usage charts are drawn from.
 */
export async function releaseAllocations(tx: Executor, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length === 0) return;
  const released = await tx
    .update(allocations)
    .set({ releasedAt: sql`clock_timestamp()` })
    .where(and(inArray(allocations.taskId, [...taskIds]), isNull(allocations.releasedAt)))
    .returning({ resource: allocations.resource, amount: allocations.amount });
  const byResource = new Map<string, number>();
  for (const row of released)
    byResource.set(row.resource, (byResource.get(row.resource) ?? 0) + row.amount);
  // Sorted, so concurrent releases lock pool rows in one order and cannot deadlock.
  for (const [name, amount] of [...byResource].sort(([a], [b]) => a.localeCompare(b))) {
    await tx
      .update(resources)
      .set({ inUse: sql`greatest(${resources.inUse} - ${amount}, 0)`, updatedAt: sql`now()` })
      .where(and(sql`${resources.name} = ${name}`, sql`${resources.scope} = 'pool'`));
  }
}
