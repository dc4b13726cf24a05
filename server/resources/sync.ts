import { inArray, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { resources } from "@/db/schema/resources";
import type { ResourcesConfig } from "@/server/config";
import { recordEvents } from "@/server/events/record";
import { assertScopeChangeAllowed } from "./scope-guard";

/**
 * Makes the `resources` table agree with the configuration: every configured pool (capacity,
 * and description when the file gives one) and every agent-scoped name. Resources missing from
 * the file stay (an operator may have added them over the API) and `in_use` is never touched.
 * Idempotent: rows that already agree are not written, and only real changes record a
 * `resource.updated` event. Returns the names it inserted or changed.
 */
export async function syncResourcesFromConfig(
  db: Database,
  config: ResourcesConfig,
): Promise<string[]> {
  const wanted = [
    ...Object.entries(config.pools).map(([name, pool]) => ({
      name,
      scope: "pool" as const,
      capacity: pool.capacity,
      description: pool.description ?? null,
    })),
    ...config.agent.map((name) => ({
      name,
      scope: "agent" as const,
      capacity: null,
      description: null,
    })),
  ];
  if (wanted.length === 0) return [];
  return db.transaction(async (tx) => {
    const existing = await tx
      .select({ name: resources.name, scope: resources.scope })
      .from(resources)
      .where(
        inArray(
          resources.name,
          wanted.map((w) => w.name),
        ),
      )
      .for("update");
    const scopeByName = new Map(existing.map((row) => [row.name, row.scope]));
    await assertScopeChangeAllowed(
      tx,
      wanted.filter((w) => (scopeByName.get(w.name) ?? w.scope) !== w.scope).map((w) => w.name),
    );
    // A file without a description keeps the one an operator set over the API.
    const description = sql`coalesce(excluded.description, ${resources.description})`;
    const changed = await tx
      .insert(resources)
      .values(wanted)
      .onConflictDoUpdate({
        target: resources.name,
        set: {
          scope: sql`excluded.scope`,
          capacity: sql`excluded.capacity`,
          description,
          updatedAt: sql`now()`,
        },
        setWhere: sql`(${resources.scope}, ${resources.capacity}, ${resources.description})
          is distinct from (excluded.scope, excluded.capacity, ${description})`,
      })
      .returning();
    await recordEvents(
      tx,
      changed.map((row) => ({
        kind: "resource.updated" as const,
        data: {
          name: row.name,
          scope: row.scope,
          capacity: row.capacity,
          description: row.description,
          source: "config",
        },
      })),
    );
    return changed.map((row) => row.name);
  });
}
