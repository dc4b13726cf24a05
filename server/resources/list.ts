import { asc } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { type Holder, openHolders } from "./holders";

export interface ResourceListItem {
  name: string;
  scope: "pool" | "agent";
  /** Pools only. */
  capacity: number | null;
  /** Pools: the `in_use` column claims draw on. Agent-scoped: the sum over all agents' holders. */
  inUse: number;
  description: string | null;
  updatedAt: Date;
  holders: Holder[];
}

/** Every resource with its usage and the open allocations holding it. */
export async function listResources(db: Executor): Promise<ResourceListItem[]> {
  const [rows, holders] = await Promise.all([
    db.select().from(resources).orderBy(asc(resources.scope), asc(resources.name)),
    openHolders(db),
  ]);
  const byResource = new Map<string, Holder[]>();
  for (const holder of holders) {
    byResource.set(holder.resource, [...(byResource.get(holder.resource) ?? []), holder]);
  }
  return rows.map((row) => {
    const held = byResource.get(row.name) ?? [];
    return {
      name: row.name,
      scope: row.scope,
      capacity: row.capacity,
      inUse: row.scope === "pool" ? row.inUse : held.reduce((sum, h) => sum + h.amount, 0),
      description: row.description,
      updatedAt: row.updatedAt,
      holders: held,
    };
  });
}
