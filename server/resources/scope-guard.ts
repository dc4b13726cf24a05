import { and, count, inArray, isNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { allocations } from "@/db/schema/resources";
import { DomainError } from "@/server/errors";

/**
 * Refuses to change the scope of a resource that is held now. The two scopes count usage
 * differently (a pool's `in_use` column, an agent's declared capacity), so flipping the scope
 * under open allocations would let claims take what is already taken. Call it with the rows
 * locked, so no claim can allocate between the check and the change.
 */
export async function assertScopeChangeAllowed(db: Executor, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const held = await db
    .select({ resource: allocations.resource, open: count() })
    .from(allocations)
    .where(and(inArray(allocations.resource, names), isNull(allocations.releasedAt)))
    .groupBy(allocations.resource);
  if (held.length === 0) return;
  const list = held.map((row) => `"${row.resource}" (${row.open} open allocations)`).join(", ");
  throw new DomainError(
    "CONFLICT",
    `cannot change the scope of ${list} while they are held; wait until they are released`,
  );
}
