import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { DomainError } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { RESOURCE_NAME } from "./name";
import { assertScopeChangeAllowed } from "./scope-guard";

export interface UpsertResourceParams {
  name: string;
  scope: "pool" | "agent";
  /** Pools only, and required for them. */
  capacity?: number | null;
  /** Omitted: keep the current one. null: clear it. */
  description?: string | null;
}

export type ResourceRecord = typeof resources.$inferSelect;

/**
 * Creates or changes a resource. A pool needs a capacity > 0 (it may be set below what is held
 * now: new claims then wait for releases); an agent-scoped resource has none. The scope of a
 * resource with open allocations cannot change (CONFLICT). Records `resource.updated`.
 */
export async function upsertResource(
  db: Database,
  params: UpsertResourceParams,
): Promise<ResourceRecord> {
  const capacity = validate(params);
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(resources)
      .where(eq(resources.name, params.name))
      .for("update");
    if (before && before.scope !== params.scope) {
      await assertScopeChangeAllowed(tx, [params.name]);
    }
    const description =
      params.description === undefined ? (before?.description ?? null) : params.description;
    const values = { name: params.name, scope: params.scope, capacity, description };
    const [row] = await tx
      .insert(resources)
      .values(values)
      .onConflictDoUpdate({
        target: resources.name,
        set: { scope: params.scope, capacity, description, updatedAt: sql`now()` },
      })
      .returning();
    if (!row) throw new Error("upsert into resources returned no row");
    await recordEvents(tx, [
      {
        kind: "resource.updated",
        data: {
          name: row.name,
          scope: row.scope,
          capacity: row.capacity,
          description: row.description,
          previous: before ? { scope: before.scope, capacity: before.capacity } : null,
        },
      },
    ]);
    return row;
  });
}

/** Returns the capacity to store, or throws BAD_REQUEST naming the field. */
function validate(params: UpsertResourceParams): number | null {
  if (!RESOURCE_NAME.test(params.name)) {
    throw new DomainError("BAD_REQUEST", "name: expected lowercase letters, digits and _");
  }
  const capacity = params.capacity ?? null;
  if (params.scope === "agent") {
    if (capacity !== null) {
      throw new DomainError(
        "BAD_REQUEST",
        "capacity: an agent-scoped resource has no shared capacity; each agent declares its own",
      );
    }
    return null;
  }
  if (capacity === null || !Number.isFinite(capacity) || capacity <= 0) {
    throw new DomainError("BAD_REQUEST", "capacity: a pool needs a finite capacity > 0");
  }
  return capacity;
}
